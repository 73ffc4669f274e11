import { threadId } from 'node:worker_threads';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import type { RecordColumn, ResolvedTableSpec } from '@spotify-pipeline/shared/table-spec';
import { contractShape, explainRejection, type ContractShape } from './contract-explain.js';
import { COLUMN_NAME, extraColumnType, jsonTypeOf, textProblemOf, type ExtraColumnType, type LineChecker, type LineSummary } from './event-validator.js';
import { FieldPartitionKey } from './field-partition-key.js';
import { exactInteger, nestedTextProblem } from './nested-json-text.js';
import { RECORD_FORMATS } from './record-formats.js';
import { specCanonicalLine, type Normaliser, type SpecCanonicalLine } from './spec-canonical-line.js';
import { eventTimeReader, type EventTimeReader } from './spec-event-time.js';
import { NORMALIZER_FUNCTIONS } from './spec-normalizers.js';

/**
 * Validates the staged lines of a table declared by a table spec, with the rules EventValidator
 * applies to listening events, generalised to the spec's contract:
 *
 *   parse → text problems (repeated key, lone surrogate; at any depth) → dropped fields the
 *   contract does not declare are removed → normalisers → the compiled contract (ajv, the spec's
 *   formats) → unknown top-level fields (additive: new columns; strict: quarantined) → exact
 *   BIGINTs → event time → event id → field-partition key
 *
 * Every step computes what the lake will hold as DuckDB computes it (spec-table-sql.ts): the
 * normalised text, the event time's µs and hour, the integer's digits. A line accepted here is a
 * row DuckDB writes with the same hour and partition values, or the preparer's bisection finds it.
 *
 * A line in canonical form (the contract's fields in contract order, compact, no escapes) of a
 * flat contract skips the parse, the text checks and ajv (spec-canonical-line.ts): the matcher gives
 * the fields the last three steps read, and those steps are the same code on both paths. A line
 * it does not vouch for, or one those steps refuse, takes the full path, which names the reason.
 */

/** Validators made in this thread: with threadId and a line count, a key no other line has. */
let instances = 0;

/** ajv for a spec's contract: strict as EventValidator's, the unions resolve-spec admits (`["integer", "number"]`), the spec formats. */
export function compileRecordContract(spec: ResolvedTableSpec): ValidateFunction {
  const ajv = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true });
  for (const [name, check] of Object.entries(RECORD_FORMATS)) ajv.addFormat(name, { type: 'string', validate: check });
  try {
    return ajv.compile(spec.recordSchema);
  } catch (err) {
    throw new PipelineError('CONFIG_INVALID', `table spec ${spec.source}: the record contract does not compile: ${(err as Error).message}`, { cause: err });
  }
}

function parentOf(record: Record<string, unknown>, path: readonly string[]): Record<string, unknown> | undefined {
  let value: unknown = record;
  for (let i = 0; i < path.length - 1; i++) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, path[i]!)) return undefined;
    value = (value as Record<string, unknown>)[path[i]!];
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function valueAt(record: Record<string, unknown>, path: readonly string[]): unknown {
  const parent = parentOf(record, path);
  const key = path[path.length - 1]!;
  return parent && Object.hasOwn(parent, key) ? parent[key] : undefined;
}

/** Dropped paths the contract does not declare under an object that allows no other fields: removed before validation. */
function undeclaredDrops(dropFields: readonly string[], root: ContractShape): string[][] {
  return dropFields
    .map((name) => name.split('.'))
    .filter((path) => {
      let shape: ContractShape | undefined = root;
      for (const key of path.slice(0, -1)) shape = shape?.properties.get(key);
      return shape !== undefined && shape.closed && !shape.properties.has(path[path.length - 1]!);
    });
}

export class SpecRecordValidator implements LineChecker {
  private readonly validate: ValidateFunction;
  private readonly shape: ContractShape;
  private readonly dropped: ReadonlySet<string>;
  private readonly removedBeforeValidation: string[][];
  private readonly normalisers: Normaliser[];
  /** Names a new column may not take: the table's columns and partition fields, and the fields DuckDB reads (it binds names case-insensitively). */
  private readonly reserved: ReadonlySet<string>;
  private readonly bigintColumns: RecordColumn[];
  private readonly eventTimePath: string[];
  private readonly eventTime: EventTimeReader;
  private readonly dedupKey?: RecordColumn;
  private readonly partitionKey: FieldPartitionKey;
  private readonly idPrefix: string;
  private readonly canonical?: SpecCanonicalLine;
  /** Why the table has no canonical fast path (every line takes the full path); undefined when it has one. */
  readonly fastPathUnavailable?: string;
  private lineCount = 0;

  constructor(private readonly spec: ResolvedTableSpec) {
    const eventTime = eventTimeReader(spec);
    if (!eventTime || !spec.eventTime) throw new PipelineError('CONFIG_INVALID', `table spec ${spec.source}: table ${spec.table} has no event time, so its lines cannot be cut by hour`);
    this.eventTime = eventTime;
    this.eventTimePath = spec.eventTime.path;
    this.validate = compileRecordContract(spec);
    this.shape = contractShape(spec.recordSchema);
    this.dropped = new Set(spec.dropFields);
    this.removedBeforeValidation = undeclaredDrops(spec.dropFields, this.shape);
    // The SQL's rule: a column takes the first normaliser named by its column name or dotted path.
    const named = Object.entries(spec.normalize);
    this.normalisers = spec.recordColumns.flatMap((column) => {
      const normaliser = named.find(([name]) => name === column.name || name === column.path.join('.'))?.[1];
      return normaliser && column.type === 'string' && !column.json ? [{ path: column.path, normalise: NORMALIZER_FUNCTIONS[normaliser] }] : [];
    });
    this.reserved = new Set([...spec.columns.map((c) => c.name), ...spec.partitioning.map((p) => p.name), ...[...this.shape.properties.keys()].map((k) => k.toLowerCase())]);
    this.bigintColumns = spec.recordColumns.filter((c) => c.type === 'bigint' && !c.json);
    this.dedupKey = spec.dedupKey && spec.recordColumns.find((c) => c.name === spec.dedupKey!.column);
    this.partitionKey = new FieldPartitionKey(spec);
    this.idPrefix = `line:${threadId}:${++instances}:`;
    const fast = specCanonicalLine(spec, this.normalisers);
    if ('fastPath' in fast) this.canonical = fast.fastPath;
    else this.fastPathUnavailable = fast.unavailable;
  }

  checkLines(lines: string[]): LineSummary[] {
    return lines.map((line) => this.checkLine(line));
  }

  checkLine(line: string): LineSummary {
    return this.checkCanonical(line) ?? this.checkInFull(line);
  }

  /** The fast path alone: the verdict of a canonical line, always an acceptance; undefined for any other line. */
  checkCanonical(line: string): LineSummary | undefined {
    const record = this.canonical?.match(line);
    if (!record) return undefined;
    const summary = this.accepted(record, line, null);
    return summary.ok ? summary : undefined;
  }

  /** The full path alone, for any line: what checkLine gives a line that is not canonical. */
  checkInFull(line: string): LineSummary {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (err) {
      return { ok: false, reason: 'not_json', message: (err as Error).message };
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return { ok: false, reason: 'not_object', message: `a ${jsonTypeOf(parsed)}, not an object` };
    }
    const record = parsed as Record<string, unknown>;
    const topLevel = textProblemOf(line, record);
    if (topLevel && !topLevel.ok) return topLevel;
    const nested = nestedTextProblem(line, record);
    if (nested) return { ok: false, ...nested };
    for (const path of this.removedBeforeValidation) {
      const parent = parentOf(record, path);
      if (parent && Object.hasOwn(parent, path[path.length - 1]!)) delete parent[path[path.length - 1]!];
    }
    for (const { path, normalise } of this.normalisers) {
      const parent = parentOf(record, path);
      const key = path[path.length - 1]!;
      if (parent && typeof parent[key] === 'string' && Object.hasOwn(parent, key)) parent[key] = normalise(parent[key]);
    }
    if (!this.conforms(record)) return { ok: false, ...explainRejection(record, this.shape, this.validate.errors) };

    const extras = this.newColumns(record);
    if (extras && !Array.isArray(extras)) return extras;
    for (const column of this.bigintColumns) {
      const value = valueAt(record, column.path);
      if (typeof value !== 'number' || Number.isSafeInteger(value)) continue;
      const exact = exactInteger(line, column.path, value);
      if (BigInt.asIntN(64, exact) !== exact) {
        return { ok: false, reason: 'number_out_of_range', message: `field ${column.path.join('.')} is ${exact.toString().slice(0, 32)}, beyond what a BIGINT column holds` };
      }
    }
    return this.accepted(record, line, extras);
  }

  /** What the lake needs of a record that passed its contract: event time, event id, partition key (or why it cannot take one). */
  private accepted(record: Record<string, unknown>, line: string, extras: Array<[string, ExtraColumnType]> | null): LineSummary {
    const time = this.eventTime(valueAt(record, this.eventTimePath));
    if ('reason' in time) return { ok: false, ...time };
    const eventId = this.eventIdOf(record, line);
    if (eventId === undefined) return { ok: false, reason: 'breaking_change', message: `dedup key ${this.dedupKey!.path.join('.')} is missing or null` };
    if (this.partitionKey.empty) return { ok: true, eventId, ts: time.ts, extras };
    try {
      return { ok: true, eventId, ts: time.ts, extras, partition: this.partitionKey.keyOf(record, line, time.micros) };
    } catch (err) {
      if (err instanceof PipelineError && err.code === 'RECORD_INVALID') return { ok: false, reason: 'schema_invalid', message: err.message };
      throw err;
    }
  }

  /**
   * The compiled contract's verdict. A value nested deeper than the call stack (JSON.parse takes
   * any depth) can overflow ajv's recursive checks (uniqueItems compares arrays deeply): that is
   * the line's fault, so it is quarantined instead of failing the batch.
   */
  private conforms(record: Record<string, unknown>): boolean {
    try {
      return this.validate(record);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      this.validate.errors = [{ instancePath: '', schemaPath: '#', keyword: 'depth', params: {}, message: `is nested too deeply to check (${err.message})` }];
      return false;
    }
  }

  /** Unknown top-level fields: new columns (additive) by EventValidator's rules, or the line's rejection (strict, or a field no column can hold). */
  private newColumns(record: Record<string, unknown>): Array<[string, ExtraColumnType]> | null | LineSummary {
    let extras: Array<[string, ExtraColumnType]> | null = null;
    for (const name in record) {
      if (this.shape.properties.has(name) || this.dropped.has(name)) continue;
      const value = record[name];
      if (this.spec.schemaEvolution === 'strict') {
        return { ok: false, reason: 'unsupported_field', message: `unknown field ${name.slice(0, 64)} (${jsonTypeOf(value)}): table ${this.spec.table} takes no new fields (schema_evolution: strict)` };
      }
      if (value === null) continue;
      const type = extraColumnType(value);
      if ((type === 'bigint' && !Number.isSafeInteger(value)) || (type === 'double' && !Number.isFinite(value))) {
        return { ok: false, reason: 'number_out_of_range', message: `field ${name.slice(0, 64)} is ${String(value).slice(0, 32)}, beyond what a BIGINT or DOUBLE column holds exactly` };
      }
      if (!type || !COLUMN_NAME.test(name) || this.reserved.has(name)) {
        return { ok: false, reason: 'unsupported_field', message: `unknown field ${name.slice(0, 64)} (${jsonTypeOf(value)}) cannot become a column` };
      }
      (extras ??= []).push([name, type]);
    }
    return extras;
  }

  /** The dedup key's value as text (a BIGINT by its digits); without a dedup key, a text no other line has. */
  private eventIdOf(record: Record<string, unknown>, line: string): string | undefined {
    if (!this.dedupKey) return `${this.idPrefix}${this.lineCount++}`;
    const value = valueAt(record, this.dedupKey.path);
    if (value === null || value === undefined) return undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && this.dedupKey.type === 'bigint' && Number.isInteger(value)) return exactInteger(line, this.dedupKey.path, value).toString();
    return String(value);
  }
}
