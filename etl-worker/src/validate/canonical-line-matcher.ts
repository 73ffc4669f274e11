import { PipelineError } from '@spotify-pipeline/shared/errors';

/**
 * A fast, exact accept for the common line: the contract's fields, in contract order, compact JSON,
 * strings without escapes. One regular expression generated from the contract's JSON Schema checks
 * such a line without JSON.parse (which alone costs ~2 µs a line, bench/src/etl.ts); a line it does
 * not match is not rejected but validated in full by EventValidator, which names the reason.
 *
 * The matcher may be stricter than the contract, never looser: a match implies that JSON.parse
 * succeeds and the compiled validator accepts the parsed object with no new column. Why that holds:
 * - the expression only admits JSON: keys in quotes, numbers in JSON grammar, literals, and strings
 *   of characters JSON allows unescaped (no `"`, no `\`, no control character), so a string's text
 *   is its value and its length in code points is what ajv's minLength/maxLength count (`u` flag);
 * - exactly the contract's keys, each once, in contract order: nothing unknown, nothing required missing
 *   (an optional field may be absent, as ajv allows);
 * - patterns and numeric bounds are checked on the captured value with ajv's own semantics
 *   (`new RegExp(pattern, 'u')`, after the same normalisation the validator applies).
 * A JSON Schema keyword this file does not know throws at start-up, so a contract change cannot widen it.
 */

interface SchemaNode {
  type?: string | string[];
  anyOf?: SchemaNode[];
  const?: unknown;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  format?: string;
  description?: string;
}

export interface ObjectSchema {
  properties?: Record<string, SchemaNode>;
  required?: string[];
}

/** What the preparer needs of an accepted line. */
export interface CanonicalLine {
  eventId: string;
  ts: string;
}

const KNOWN_KEYWORDS = new Set(['type', 'anyOf', 'const', 'minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'format', 'description']);
/** A character JSON allows inside a string without an escape, minus the escape character itself. */
const PLAIN_CHAR = '[^"\\\\\\u0000-\\u001f]';
const JSON_NUMBER = '-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?';
/** At most 15 digits: always a safe integer, parsed exactly by JSON.parse. */
const SAFE_DIGITS = '(?:0|[1-9][0-9]{0,14})';
const SAFE_DIGITS_MAX = 999_999_999_999_999;

/**
 * A pattern whose every match is made of plain characters (no `"`, `\`, control character) can be
 * written between the quotes of the line expression itself. Lexical and conservative: only literals,
 * `\d`, escaped punctuation, positive character classes, groups, alternation and quantifiers; `^`/`$`
 * only at the ends. Embedded, it must match the whole string, which is never looser than ajv's search.
 */
function embeddablePattern(pattern: string): string | undefined {
  const inner = pattern.replace(/^\^/, '').replace(/\$$/, '');
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c === '\\') {
      const next = inner[++i];
      if (next === undefined || !/[d.\-:/+*?()[\]{}|^$]/.test(next)) return undefined;
    } else if (c === '(') {
      // Only non-capturing groups: a capturing one would shift the groups this matcher reads.
      if (inner.slice(i + 1, i + 3) !== '?:') return undefined;
      i += 2;
    } else if (c === '[') {
      if (inner[i + 1] === '^') return undefined;
      const end = inner.indexOf(']', i + 1);
      if (end === -1 || /["\\\u0000-\u001f]/.test(inner.slice(i + 1, end))) return undefined;
      i = end;
    } else if (c === '.' || c === '"' || c === '^' || c === '$' || c < ' ') {
      return undefined;
    }
  }
  return inner;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** A check of one captured value, applied after the expression matched. */
type CaptureCheck = (text: string) => boolean;

class ExpressionBuilder {
  readonly checks: Array<{ group: number; check: CaptureCheck }> = [];
  private groups = 0;

  constructor(private readonly normalise: Readonly<Record<string, (value: string) => string>>) {}

  /** A capturing group whose text must pass `check` (when its branch matched). */
  capture(inner: string, check?: CaptureCheck): { source: string; group: number } {
    const group = ++this.groups;
    if (check) this.checks.push({ group, check });
    return { source: `(${inner})`, group };
  }

  field(name: string, node: SchemaNode, captureString: boolean): { source: string; group?: number } {
    const { anyOf, description: _description, ...rest } = node;
    if (anyOf && Object.keys(rest).length > 0) throw unsupported(name, 'anyOf beside other keywords');
    const branches = (anyOf ?? [node]).flatMap((branch) => this.alternatives(name, branch, captureString));
    const groups = branches.flatMap((b) => (b.group === undefined ? [] : [b.group]));
    if (groups.length > 1) throw unsupported(name, 'two string alternatives');
    const source = branches.length === 1 ? branches[0]!.source : `(?:${branches.map((b) => b.source).join('|')})`;
    return { source, group: groups[0] };
  }

  private alternatives(name: string, node: SchemaNode, captureString: boolean): Array<{ source: string; group?: number }> {
    for (const key of Object.keys(node)) if (!KNOWN_KEYWORDS.has(key)) throw unsupported(name, `keyword ${key}`);
    // zod emits `format: date-time` beside the pattern that is the real rule (the validator ignores formats too).
    if (node.format !== undefined && (node.format !== 'date-time' || node.pattern === undefined)) throw unsupported(name, `format ${node.format}`);
    const types = node.type === undefined ? [] : Array.isArray(node.type) ? node.type : [node.type];
    if (types.length === 0) throw unsupported(name, 'an untyped value');
    return types.map((type) => {
      if (node.const !== undefined) {
        if (!['string', 'number', 'boolean'].includes(typeof node.const)) throw unsupported(name, 'a non-scalar const');
        return { source: escapeRegExp(JSON.stringify(node.const)) };
      }
      switch (type) {
        case 'null':
          return { source: 'null' };
        case 'boolean':
          return { source: '(?:true|false)' };
        case 'integer':
        case 'number': {
          const { minimum = -Infinity, maximum = Infinity } = node;
          // Integers of at most 15 digits need no check when the bounds are wider (the contract's are ±2^53 and 0).
          if (type === 'integer' && maximum >= SAFE_DIGITS_MAX && (minimum === 0 || minimum <= -SAFE_DIGITS_MAX)) {
            return { source: minimum === 0 ? SAFE_DIGITS : `-?${SAFE_DIGITS}` };
          }
          const inRange = (text: string): boolean => {
            const value = Number(text);
            return Number.isFinite(value) && value >= minimum && value <= maximum;
          };
          return this.capture(type === 'integer' ? `-?${SAFE_DIGITS}` : JSON_NUMBER, inRange);
        }
        case 'string': {
          const { minLength, maxLength, pattern } = node;
          const run = minLength === undefined && maxLength === undefined ? `${PLAIN_CHAR}*` : `${PLAIN_CHAR}{${minLength ?? 0},${maxLength ?? ''}}`;
          if (pattern === undefined && !captureString) return { source: `"${run}"` };
          const embedded = pattern !== undefined && minLength === undefined && maxLength === undefined ? embeddablePattern(pattern) : undefined;
          if (embedded !== undefined) {
            // Stricter than the validator for a field it normalises first (a lower-case country): such lines take the full path.
            if (!captureString) return { source: `"(?:${embedded})"` };
            const { source, group } = this.capture(`(?:${embedded})`);
            return { source: `"${source}"`, group };
          }
          const expression = pattern === undefined ? undefined : new RegExp(pattern, 'u');
          const normalise = this.normalise[name] ?? ((value: string) => value);
          const { source, group } = this.capture(run, expression ? (text) => expression.test(normalise(text)) : undefined);
          return { source: `"${source}"`, group };
        }
        default:
          throw unsupported(name, `JSON type ${type}`);
      }
    });
  }
}

function unsupported(field: string, what: string): PipelineError {
  return new PipelineError('INTERNAL', `contract field ${field}: ${what} has no canonical-line rule (extend canonical-line-matcher.ts)`);
}

export class CanonicalLineMatcher {
  private readonly expression: RegExp;
  private readonly checks: Array<{ group: number; check: CaptureCheck }>;
  private readonly eventIdGroup: number;
  private readonly tsGroup: number;

  /** `normalise`: per field, what the validator does to a string before checking it (e.g. upper-casing a country). */
  constructor(schema: ObjectSchema, normalise: Readonly<Record<string, (value: string) => string>> = {}) {
    const properties = Object.entries(schema.properties ?? {});
    const required = new Set(schema.required ?? []);
    const builder = new ExpressionBuilder(normalise);
    const groups = new Map<string, number | undefined>();
    const members = properties.map(([name, node], index) => {
      // An optional field may be absent from a canonical line (a line written before it was added);
      // when present it is still in contract order. The object's first member anchors the commas.
      const optional = !required.has(name);
      if (optional && index === 0) throw unsupported(name, 'an optional first field');
      if (/["\\\u0000-\u001f]/.test(name)) throw unsupported(name, 'a name that needs escaping');
      const value = builder.field(name, node, name === 'event_id' || name === 'ts');
      groups.set(name, value.group);
      const member = `${index === 0 ? '' : ','}"${escapeRegExp(name)}":${value.source}`;
      return optional ? `(?:${member})?` : member;
    });
    this.expression = new RegExp(`^\\{${members.join('')}\\}$`, 'u');
    this.checks = builder.checks;
    const eventIdGroup = groups.get('event_id');
    const tsGroup = groups.get('ts');
    if (eventIdGroup === undefined || tsGroup === undefined) throw new PipelineError('INTERNAL', 'the contract has no string event_id and ts');
    this.eventIdGroup = eventIdGroup;
    this.tsGroup = tsGroup;
  }

  /** The line's event_id and ts when it is canonical and valid; undefined means "validate it in full", not "invalid". */
  match(line: string): CanonicalLine | undefined {
    const found = this.expression.exec(line);
    if (!found) return undefined;
    for (const { group, check } of this.checks) {
      const text = found[group];
      if (text !== undefined && !check(text)) return undefined;
    }
    return { eventId: found[this.eventIdGroup]!, ts: found[this.tsGroup]! };
  }
}
