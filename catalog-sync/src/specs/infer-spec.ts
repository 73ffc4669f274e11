import type { z } from 'zod';
import type { EventTimeFormat, JsonSchemaNode, tableSpecDocument } from '@spotify-pipeline/shared/table-spec';
import { inferSchema, type SampledRecord } from './infer-schema.js';

/**
 * A draft table spec from a sample of records: the record contract (infer-schema.ts) and the
 * choices a spec makes about it, each explained in a note a person checks before the spec is used:
 *
 *   event_time     the best field named like a time (ts, timestamp, event_time, time, occurred*,
 *                  *_at, *_time, *_ts, created*) whose values read as instants: ISO 8601 with a
 *                  zone → iso, integers in 1e12..1e14 → epoch_ms, in 1e9..1e11 → epoch_s; it must
 *                  be present and non-null in every record. None found: no event_time, so the draft
 *                  fails `spec check` on it instead of passing with a wrong one.
 *   partitioning   hour, or day when the sample is sparse (under SPARSE_EVENTS_PER_HOUR over a day or more)
 *   dedup_key      a required string field unique across the sample, named event_id, id,
 *                  <table>_id, or else *_id
 *   drop_fields    fields named like personal data (ip, email, phone, username, user agent, password)
 *   schema_evolution  additive
 */

/** What a spec file holds, before defaults: the draft writes only what it chose. */
export type DraftSpecDocument = z.input<typeof tableSpecDocument>;

export interface InferredSpec {
  document: DraftSpecDocument;
  schema: JsonSchemaNode;
  /** What each choice rests on, and what to check by hand. */
  notes: string[];
}

/** Below this many events an hour (over a sample spanning a day or more), hourly files would be tiny. */
export const SPARSE_EVENTS_PER_HOUR = 100;

const HOUR_MS = 3_600_000;

/** A field of the contract that is one column: a scalar, an array, or an object kept as JSON text. */
interface Leaf {
  path: string[];
  /** Dotted path, as spec fields name a nested field. */
  name: string;
  /** The field's own key in snake case, lower-cased: what name patterns are matched against. */
  key: string;
  node: JsonSchemaNode;
  /** Its JSON types without null. */
  types: string[];
  /** Present (it and every object around it) in every sampled record, and never null. */
  alwaysSet: boolean;
}

const snakeCase = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

const typeList = (node: JsonSchemaNode): string[] => (node.type === undefined ? [] : Array.isArray(node.type) ? (node.type as string[]) : [node.type as string]);

function leavesOf(node: JsonSchemaNode, path: string[] = [], alwaysSet = true): Leaf[] {
  const required = new Set(Array.isArray(node.required) ? (node.required as string[]) : []);
  const leaves: Leaf[] = [];
  for (const [key, child] of Object.entries((node.properties ?? {}) as Record<string, JsonSchemaNode>)) {
    const all = typeList(child);
    const types = all.filter((t) => t !== 'null');
    const set = alwaysSet && required.has(key) && !all.includes('null');
    const childPath = [...path, key];
    if (types.length === 1 && types[0] === 'object' && child.properties && Object.keys(child.properties).length > 0) {
      leaves.push(...leavesOf(child, childPath, set));
    } else {
      leaves.push({ path: childPath, name: childPath.join('.'), key: snakeCase(key), node: child, types, alwaysSet: set });
    }
  }
  return leaves;
}

function valueAt(record: SampledRecord, path: readonly string[]): unknown {
  let value: unknown = record;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

const valuesAt = (records: readonly SampledRecord[], path: readonly string[]): unknown[] => records.map((r) => valueAt(r, path)).filter((v) => v !== undefined && v !== null);

/** Smallest and largest of many numbers (a spread of a large sample would overflow the stack). */
function rangeOf(numbers: readonly number[]): { min: number; max: number } {
  let [min, max] = [Infinity, -Infinity];
  for (const n of numbers) {
    if (n < min) min = n;
    if (n > max) max = n;
  }
  return { min, max };
}

const count = (n: number, what: string): string => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;

/** Names of event-time fields, best first (a unit suffix such as _ms is ignored). */
const EVENT_TIME_NAMES: ReadonlyArray<RegExp> = [/^(ts|timestamp|event_time|event_timestamp|event_ts|time)$/, /^occurred/, /_(at|time|ts|timestamp)$/, /^created/];
const UNIT_SUFFIX = /_(ms|millis|msec|sec|secs|seconds|epoch)$/;

const eventTimeRank = (key: string): number => EVENT_TIME_NAMES.findIndex((pattern) => pattern.test(key.replace(UNIT_SUFFIX, '')));

interface TimeReading {
  format: EventTimeFormat;
  /** The sampled values as epoch milliseconds. */
  times: number[];
}

/** How a field's values read as instants, if they all do. */
function readTimes(leaf: Leaf, records: readonly SampledRecord[]): TimeReading | undefined {
  const values = valuesAt(records, leaf.path);
  if (values.length === 0) return undefined;
  if (leaf.node.format === 'date-time') return { format: 'iso', times: values.map((v) => Date.parse(v as string)) };
  if (leaf.types.length !== 1 || leaf.types[0] !== 'integer') return undefined;
  const numbers = values as number[];
  const { min, max } = rangeOf(numbers);
  // The ranges do not overlap: 1e11 s is the year 5138, 1e12 ms is 2001.
  if (min >= 1e12 && max < 1e14) return { format: 'epoch_ms', times: numbers };
  if (min >= 1e9 && max < 1e11) return { format: 'epoch_s', times: numbers.map((s) => s * 1000) };
  return undefined;
}

const FORMAT_WORDS: Record<EventTimeFormat, string> = { iso: 'ISO 8601 instants with a zone', epoch_ms: 'epoch milliseconds', epoch_s: 'epoch seconds' };

function chooseEventTime(leaves: readonly Leaf[], records: readonly SampledRecord[], notes: string[]): { field: string; reading: TimeReading } | undefined {
  const candidates = leaves
    .map((leaf) => ({ leaf, rank: eventTimeRank(leaf.key) }))
    .filter((c) => c.rank >= 0)
    .sort((a, b) => a.rank - b.rank);
  for (const [i, { leaf }] of candidates.entries()) {
    const reading = readTimes(leaf, records);
    if (!reading) {
      notes.push(`${leaf.name} is named like a time, but its values are not ISO 8601 instants with a zone (2026-12-01T10:00:00Z) nor integer epoch seconds or milliseconds, so it is not the event time.`);
      continue;
    }
    if (!leaf.alwaysSet) {
      notes.push(`${leaf.name} holds ${FORMAT_WORDS[reading.format]} but is missing or null in some sampled records, and every row needs an event time, so it is not the event time.`);
      continue;
    }
    const others = candidates.slice(i + 1).filter((c) => c.leaf.alwaysSet && readTimes(c.leaf, records));
    notes.push(
      `event_time: ${leaf.name} (format ${reading.format}): the best-named field whose values are all ${FORMAT_WORDS[reading.format]}. It orders and partitions the rows: check it is when the event happened${others.length > 0 ? ` (other times: ${others.map((c) => c.leaf.name).join(', ')})` : ''}.`,
    );
    return { field: leaf.name, reading };
  }
  const unnamed = leaves.filter((leaf) => eventTimeRank(leaf.key) < 0 && leaf.alwaysSet && readTimes(leaf, records));
  notes.push(
    `No event time: no field named like a time (ts, timestamp, event_time, *_at, *_time, …) is in every record with instants as values. The draft has no event_time, so spec check fails on it until you add event_time: { field: <field>, format: iso | epoch_ms | epoch_s }${unnamed.length > 0 ? ` (fields whose values are instants: ${unnamed.map((l) => l.name).join(', ')})` : ''}.`,
  );
  return undefined;
}

/** hour, unless the sampled events are spread thin over a day or more. */
function choosePartitionTime(reading: TimeReading | undefined, notes: string[]): 'hour' | 'day' {
  if (!reading) {
    notes.push('partitioning.time: hour, the default: with few events an hour, day makes fewer, larger files.');
    return 'hour';
  }
  const { times } = reading;
  const { min, max } = rangeOf(times);
  const spanHours = (max - min) / HOUR_MS;
  // Under a minute, a rate would be noise.
  const perHour = spanHours >= 1 / 60 ? times.length / spanHours : undefined;
  const span =
    spanHours < 1 / 60 ? `${Math.round(spanHours * 3600)} seconds` : spanHours < 1 ? `${Math.round(spanHours * 60)} minutes` : spanHours < 48 ? `${spanHours.toFixed(1)} hours` : `${(spanHours / 24).toFixed(1)} days`;
  const measured = `the sampled events span ${span}${perHour === undefined ? '' : `, about ${perHour < 10 ? perHour.toFixed(1) : Math.round(perHour).toLocaleString('en-US')} events an hour`}`;
  if (spanHours >= 24 && perHour !== undefined && perHour < SPARSE_EVENTS_PER_HOUR) {
    notes.push(`partitioning.time: day — ${measured}, so hourly files would be tiny. Use hour if the sample is not representative of the topic's rate.`);
    return 'day';
  }
  notes.push(`partitioning.time: hour — ${measured}. Use day if the topic carries fewer than about ${SPARSE_EVENTS_PER_HOUR} events an hour (fewer, larger files).`);
  return 'hour';
}

/** How well a field's name says "the id of this event": 0 best, -1 not an id at all. */
function idRank(key: string, table: string): number {
  const singular = table.replace(/s$/, '');
  const lastWord = singular.split('_').at(-1);
  if (key === 'event_id') return 0;
  if (key === 'id') return 1;
  if (key === `${table}_id` || key === `${singular}_id` || key === `${lastWord}_id`) return 2;
  return key.endsWith('_id') ? 3 : -1;
}

function chooseDedupKey(leaves: readonly Leaf[], records: readonly SampledRecord[], table: string, notes: string[]): string | undefined {
  const candidates = leaves
    .map((leaf) => ({ leaf, rank: idRank(leaf.key, table) }))
    .filter((c) => c.rank >= 0 && c.leaf.alwaysSet && c.leaf.types.length === 1 && c.leaf.types[0] === 'string')
    .sort((a, b) => a.rank - b.rank);
  const unique = candidates.filter((c) => records.length >= 2 && new Set(valuesAt(records, c.leaf.path)).size === records.length);
  for (const c of candidates) {
    const repeats = records.length - new Set(valuesAt(records, c.leaf.path)).size;
    if (c.rank <= 1 && repeats > 0) {
      notes.push(`${c.leaf.name} repeats in the sample (${count(repeats, 'record')} ${repeats === 1 ? 'shares' : 'share'} a value with an earlier one), so it is not the dedup_key: if those are one event delivered twice, set dedup_key: ${c.leaf.name}.`);
    }
  }
  const [best, ...others] = unique;
  if (!best) {
    notes.push('No dedup_key: no required string field named event_id, id or *_id is unique across the sample, so every record becomes a row (a redelivered record is a second row). Add dedup_key: <field> if the records carry an event id.');
    return undefined;
  }
  const also = others.length > 0 ? ` (also unique in the sample: ${others.map((c) => c.leaf.name).join(', ')})` : '';
  const check =
    best.rank <= 2
      ? 'check it is unique per event, not only in the sample'
      : `it is picked because it ends with _id: check it identifies one event, not a user, a session or a device, or every later record sharing a value is lost`;
  notes.push(`dedup_key: ${best.leaf.name} — unique across the ${count(records.length, 'sampled record')}; a record repeating a value already written is dropped (first wins): ${check}${also}.`);
  return best.leaf.name;
}

/** Field names that usually hold personal data (matched on the snake-cased key). */
const PERSONAL_DATA_NAMES: ReadonlyArray<RegExp> = [/^ip$/, /_ip$/, /^ip_?addr/, /(^|_)e_?mail(_?addr(ess)?)?$/, /(^|_)phone(_?num(ber)?)?$/, /^user_?name$/, /^user_?agent/, /pass_?word/];

const looksPersonal = (key: string): boolean => PERSONAL_DATA_NAMES.some((pattern) => pattern.test(key));

/** The dotted paths to drop: the outermost key on each leaf's path that looks like personal data. */
function choosePersonalDataDrops(leaves: readonly Leaf[], keep: ReadonlySet<string>, notes: string[]): string[] {
  const drops: string[] = [];
  for (const leaf of leaves) {
    const at = leaf.path.findIndex((key) => looksPersonal(snakeCase(key)));
    if (at < 0 || keep.has(leaf.name)) continue;
    const name = leaf.path.slice(0, at + 1).join('.');
    if (!drops.includes(name)) drops.push(name);
  }
  if (drops.length > 0) {
    notes.push(`drop_fields: ${drops.join(', ')} — named like personal data (IP address, e-mail, phone, user name, user agent, password), so never read into the lake. Remove a field from drop_fields only if the lake may hold it.`);
  }
  return drops;
}

/** Fields whose values the schema lists: bounded, so an identity partition on one is safe. */
function identityPartitionNote(leaves: readonly Leaf[], dropped: readonly string[], notes: string[]): void {
  const listed = leaves.filter((leaf) => Array.isArray(leaf.node.enum) && !dropped.some((d) => leaf.name === d || leaf.name.startsWith(`${d}.`)));
  if (listed.length === 0) return;
  const described = listed.map((leaf) => `${leaf.name} (${(leaf.node.enum as unknown[]).filter((v) => v !== null).length} values)`);
  notes.push(`Few values, listed in the schema: ${described.join(', ')}. If queries filter on one, partition on it: partitioning.fields: [{ field: ${listed[0]!.name}, transform: identity }].`);
}

/** A draft spec, its record contract and the notes explaining it, from sampled records of one topic. */
export function inferSpec(records: readonly SampledRecord[], target: { table: string; topic: string }): InferredSpec {
  const { schema, notes: schemaNotes } = inferSchema(records);
  const leaves = leavesOf(schema);
  const notes: string[] = [
    `Inferred from ${count(records.length, 'record')}: types, required fields and enum values are what the sample showed. A field present in every sampled record is required (a record without it is rejected): loosen required where the sample was lucky.`,
  ];
  const eventTime = chooseEventTime(leaves, records, notes);
  const partitionTime = choosePartitionTime(eventTime?.reading, notes);
  const dedupKey = chooseDedupKey(leaves, records, target.table, notes);
  const keep = new Set([eventTime?.field, dedupKey].filter((f): f is string => f !== undefined));
  const dropFields = choosePersonalDataDrops(leaves, keep, notes);
  notes.push(...schemaNotes);
  identityPartitionNote(leaves, dropFields, notes);
  notes.push('schema_evolution: additive — a field the schema lacks becomes a new column when it first arrives; strict quarantines such records instead.');

  const document: DraftSpecDocument = {
    spec_version: 1,
    table: target.table,
    topics: [target.topic],
    schema: schemaFileName(target.table),
    ...(eventTime ? { event_time: { field: eventTime.field, format: eventTime.reading.format } } : {}),
    ...(dedupKey ? { dedup_key: dedupKey } : {}),
    drop_fields: dropFields,
    partitioning: { time: partitionTime },
    schema_evolution: 'additive',
  };
  return { document, schema, notes };
}

export const schemaFileName = (table: string): string => `${table}.schema.json`;
export const specFileName = (table: string): string => `${table}.table.yaml`;
