import { IDENTIFIER, type JsonSchemaNode } from '@spotify-pipeline/shared/table-spec';

/**
 * The record contract a sample of records suggests: a JSON Schema (draft 2020-12) in the subset a
 * table spec accepts (shared/src/table-spec/json-schema-columns.ts), for a person to correct. It
 * claims no more than the sample showed, and says in notes where the sample could not decide.
 *
 * Per field, across every record (or every object it was nested in):
 *   type      the JSON types seen: integer, or number once any value had a fraction; string;
 *             boolean; object (its fields inferred the same way, into `properties`); array
 *   "null"    added to the type when a value was null
 *   required  the fields present in every record (in every object, for a nested field)
 *   format    date-time when every string value was an RFC 3339 instant with a zone
 *   enum      for a string field with few values (at most ENUM_MAX_VALUES) over many samples
 *             (at least ENUM_MIN_SAMPLES), unless it is named like an identifier: the values an
 *             identity partition is bounded by
 * Properties are listed in order of first appearance: that order becomes the column order.
 */

/** One sampled record: a parsed JSON object. */
export type SampledRecord = Record<string, unknown>;

export const ENUM_MAX_VALUES = 20;
export const ENUM_MIN_SAMPLES = 50;

export const JSON_SCHEMA_DRAFT = 'https://json-schema.org/draft/2020-12/schema';

type Kind = 'integer' | 'number' | 'string' | 'boolean' | 'object' | 'array';

/** What the sample showed of one field. */
interface FieldSummary {
  /** Objects that carried the key, with any value (null included). */
  present: number;
  nulls: number;
  kinds: Set<Kind>;
  /** Non-null string values. */
  strings: number;
  /** Distinct string values, until there are more than ENUM_MAX_VALUES (then undefined). */
  distinct: Set<string> | undefined;
  /** Every string value so far was an instant with a zone. */
  allInstants: boolean;
  /** Objects this field held; its nested fields were seen in them. */
  objects: number;
  fields: Map<string, FieldSummary>;
}

/**
 * RFC 3339 date-time with a zone (`2026-12-01T10:00:00Z`, `…10:00:00.123+02:00`): what a
 * `format: date-time` check accepts. A local time without a zone is not an instant, so it stays a string.
 */
const INSTANT = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

export function isInstant(value: string): boolean {
  const match = INSTANT.exec(value);
  if (!match) return false;
  // Date.parse rolls 2026-02-30 over into March: check the day exists in its month.
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
}

/**
 * Keys of identifiers (user_id, sessionId, uuid): a sample may show few of them, but their values
 * are unbounded, and an enum would reject every new user.
 */
const looksLikeIdentifier = (key: string): boolean => /(^|_)(id|uuid)$/.test(key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase());

const newSummary = (): FieldSummary => ({ present: 0, nulls: 0, kinds: new Set(), strings: 0, distinct: new Set(), allInstants: true, objects: 0, fields: new Map() });

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function observeObject(fields: Map<string, FieldSummary>, object: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(object)) {
    let summary = fields.get(key);
    if (!summary) {
      summary = newSummary();
      fields.set(key, summary);
    }
    observeValue(summary, value);
  }
}

function observeValue(summary: FieldSummary, value: unknown): void {
  summary.present++;
  if (value === null || value === undefined) {
    summary.nulls++;
  } else if (typeof value === 'number') {
    summary.kinds.add(Number.isInteger(value) ? 'integer' : 'number');
  } else if (typeof value === 'string') {
    summary.kinds.add('string');
    summary.strings++;
    summary.allInstants &&= isInstant(value);
    if (summary.distinct) {
      summary.distinct.add(value);
      if (summary.distinct.size > ENUM_MAX_VALUES) summary.distinct = undefined;
    }
  } else if (typeof value === 'boolean') {
    summary.kinds.add('boolean');
  } else if (Array.isArray(value)) {
    summary.kinds.add('array');
  } else if (isObject(value)) {
    summary.kinds.add('object');
    summary.objects++;
    observeObject(summary.fields, value);
  }
}

/** The JSON types of a field: integer and number together are number (a column of doubles). */
function typesOf(summary: FieldSummary): Kind[] {
  const kinds = [...summary.kinds];
  return kinds.includes('number') ? kinds.filter((k) => k !== 'integer') : kinds;
}

/** `type` as JSON Schema writes it: one name, or a list when null (or a second type) is allowed too. */
function typeKeyword(types: readonly string[], nullable: boolean): string | string[] {
  const all = nullable ? [...types, 'null'] : [...types];
  return all.length === 1 ? all[0]! : all;
}

/** The column name the spec loader will give a field (path lower-cased, joined with `_`). */
const columnNameOf = (path: readonly string[]): string => path.map((k) => k.toLowerCase()).join('_');

function schemaOfField(summary: FieldSummary, path: string[], notes: string[]): JsonSchemaNode {
  const name = path.join('.');
  const nullable = summary.nulls > 0;
  const types = typesOf(summary);
  if (types.length === 1 && types[0] === 'object' && summary.fields.size > 0) return objectSchema(summary.fields, summary.objects, nullable, path, notes);
  // Every other field is one column (objects are flattened into their fields' columns).
  checkColumnName(path, notes);
  if (types.length === 0) {
    notes.push(`${name} was null in every sampled record, so its type is unknown: it is typed string — give it its real type in the schema.`);
    return { type: ['string', 'null'] };
  }
  if (types.length > 1) {
    notes.push(`${name} holds ${types.join(' and ')} values in the sample: a column has one type, so spec check refuses it until the schema allows one type (and null).`);
    return { type: typeKeyword(types, nullable) };
  }
  const [type] = types as [Kind];
  const node: JsonSchemaNode = { type: typeKeyword([type], nullable) };
  if (type !== 'string') return node;
  if (summary.allInstants) {
    node.format = 'date-time';
  } else if (summary.distinct && summary.strings >= ENUM_MIN_SAMPLES && !looksLikeIdentifier(path.at(-1)!)) {
    const values = [...summary.distinct].sort();
    // With a type that allows null, an enum without null would reject the nulls the sample had.
    node.enum = nullable ? [...values, null] : values;
    notes.push(
      `${name} had ${values.length} distinct values in ${summary.strings} samples, so the schema lists them (enum): a record with another value is rejected — add the values the sample missed, or remove enum.`,
    );
  }
  return node;
}

function checkColumnName(path: readonly string[], notes: string[]): void {
  const column = columnNameOf(path);
  if (IDENTIFIER.test(column)) return;
  notes.push(
    `${path.join('.')} would be the column ${JSON.stringify(column)}, which is not a valid column name (lower-case letters, digits and _, starting with a letter): it is kept in the schema, and spec check names it until it is renamed upstream or listed in drop_fields.`,
  );
}

function objectSchema(fields: Map<string, FieldSummary>, objects: number, nullable: boolean, path: string[], notes: string[]): JsonSchemaNode {
  // fromEntries defines own properties, so a key such as "__proto__" stays a field.
  const properties = Object.fromEntries([...fields].map(([key, summary]) => [key, schemaOfField(summary, [...path, key], notes)]));
  const required = [...fields].filter(([, summary]) => summary.present === objects).map(([key]) => key);
  return { type: typeKeyword(['object'], nullable), properties, ...(required.length > 0 ? { required } : {}) };
}

/** The JSON Schema of a sample of records, and notes on what the sample could not decide. */
export function inferSchema(records: readonly SampledRecord[]): { schema: JsonSchemaNode; notes: string[] } {
  const fields = new Map<string, FieldSummary>();
  for (const record of records) observeObject(fields, record);
  const notes: string[] = [];
  const root = objectSchema(fields, records.length, false, [], notes);
  return { schema: { $schema: JSON_SCHEMA_DRAFT, ...root }, notes };
}
