import type { LakeColumn, LakeType } from '../schemas/lake-columns.js';
import { FIRST_PARTITION_FIELD_ID, icebergSchemaOf } from '../iceberg/schema.js';
import type { IcebergSchema, PartitionField, PartitionSpec } from '../iceberg/table-metadata.js';
import { recordColumnsOf, type JsonSchemaNode, type RecordColumn } from './json-schema-columns.js';
import type { EventTimeFormat, Normalizer, SpecColumnType, TableSpecDocument } from './spec-document.js';

/** One problem of a spec: the field of the spec (or the pointer into its schema) and how to fix it. */
export interface SpecProblem {
  /** `partitioning.fields[0].field`, or `schema#/properties/x` for a problem of the contract. */
  field: string;
  problem: string;
  fix: string;
}

export interface DerivedColumn extends LakeColumn {
  sql: string;
}

export interface SpecPartitionField {
  /** The Iceberg partition field name: `ts_hour`, `platform_family`, `user_id_bucket`. */
  name: string;
  column: string;
  transform: 'hour' | 'day' | 'identity' | 'bucket';
  buckets?: number;
  /** For identity partitions: most distinct values one staged object may spread over. */
  maxDistinctPerObject?: number;
}

export interface SpecLookup {
  alias: string;
  table: string;
  field: string;
  column: string;
  columns: string[];
}

/** A spec with everything it implies worked out: columns, partitioning, the Iceberg schema. */
export interface ResolvedTableSpec {
  /** The spec file it came from (for messages), or `built-in:<table>`. */
  source: string;
  table: string;
  description?: string;
  topics: string[];
  write: TableSpecDocument['write'];
  /** The record contract, as read from its file. */
  recordSchema: JsonSchemaNode;
  /** Columns read from the record (dropped fields removed), in contract order. */
  recordColumns: RecordColumn[];
  derivedColumns: DerivedColumn[];
  /** Every column of the table, in field-id order: the record's, then the derived ones. */
  columns: LakeColumn[];
  eventTime?: { column: string; path: string[]; format: EventTimeFormat };
  dropFields: string[];
  normalize: Record<string, Normalizer>;
  lookups: SpecLookup[];
  dedupKey?: { column: string; path: string[] };
  partitioning: SpecPartitionField[];
  parquet: { codec: TableSpecDocument['parquet']['codec']; targetFileBytes?: number };
  schemaEvolution: TableSpecDocument['schema_evolution'];
  icebergSchema: IcebergSchema;
  partitionSpec: PartitionSpec;
  /** Saved queries the spec declares (`catalog-sync report <name>`). */
  queries: Array<{ name: string; description: string; sql: string }>;
}

const LAKE_TYPE_OF_SPEC: Record<SpecColumnType, LakeType> = {
  string: 'string',
  bigint: 'bigint',
  int: 'int',
  double: 'double',
  boolean: 'boolean',
  timestamp: 'timestamp_ms',
  date: 'date',
};

export const lakeTypeOfSpec = (type: SpecColumnType): LakeType => LAKE_TYPE_OF_SPEC[type];

/** Source types Iceberg's bucket transform accepts (spec: Partition Transforms). */
const BUCKET_SOURCE_TYPES: ReadonlySet<LakeType> = new Set(['int', 'bigint', 'string', 'date', 'timestamp_ms']);

const MAX_IDENTITY_VALUES = 1000;

/**
 * Works out what a parsed spec document and its contract imply, collecting every problem (so one
 * start names them all). `schemaPath` is the `schema` entry as written, for messages.
 */
export function resolveTableSpec(source: string, doc: TableSpecDocument, recordSchema: JsonSchemaNode): { spec?: ResolvedTableSpec; problems: SpecProblem[] } {
  const problems: SpecProblem[] = [];
  const { columns: contractColumns, problems: schemaProblems } = recordColumnsOf(recordSchema);
  for (const p of schemaProblems) problems.push({ field: `schema#${p.pointer}`, problem: p.problem, fix: p.fix });

  const dotted = (c: RecordColumn): string => c.path.join('.');
  /** A field named by its dotted path as the record spells it, or by its column name. */
  const findField = (name: string, among: RecordColumn[]): RecordColumn | undefined => among.find((c) => dotted(c) === name || c.name === name);
  const fieldList = (among: RecordColumn[]): string => {
    const names = among.map(dotted);
    return names.length <= 12 ? names.join(', ') : `${names.slice(0, 12).join(', ')}, … (${names.length} fields)`;
  };

  // Dropped fields: a dotted path of a field, or of an object (all its fields go). A name the
  // schema does not have is dropped on sight should a record carry it (personal data of real
  // exports that the contract leaves out on purpose), instead of becoming a new column.
  const dropped = new Set<RecordColumn>();
  for (const name of doc.drop_fields) {
    for (const c of contractColumns) if (dotted(c) === name || dotted(c).startsWith(`${name}.`) || c.name === name) dropped.add(c);
  }
  const recordColumns = contractColumns.filter((c) => !dropped.has(c));

  const requiredField = (specField: string, name: string, role: string): RecordColumn | undefined => {
    const column = findField(name, recordColumns);
    if (!column) {
      const wasDropped = findField(name, [...dropped]);
      problems.push({
        field: specField,
        problem: wasDropped ? `${name} is dropped (drop_fields), so it cannot be the ${role}` : `${name} is not a field of the schema`,
        fix: wasDropped ? `keep ${name}, or choose another ${role}` : `name a field of the schema: ${fieldList(recordColumns)}`,
      });
    }
    return column;
  };

  // Event time: the field's column holds a timestamp in the lake whatever its format in the record.
  let eventTime: ResolvedTableSpec['eventTime'];
  if (doc.event_time) {
    const column = requiredField('event_time.field', doc.event_time.field, 'event time');
    if (column) {
      const { format } = doc.event_time;
      const fits = format === 'iso' ? column.type === 'timestamp_ms' || (column.type === 'string' && !column.json) : column.type === 'bigint' || column.type === 'double' || column.type === 'int';
      if (!fits) {
        problems.push({
          field: 'event_time.format',
          problem: `${doc.event_time.field} is ${column.json ? 'an object or array' : column.type} in the schema, which format ${format} cannot read`,
          fix: format === 'iso' ? 'use epoch_ms or epoch_s for a number field, or give the field type string (format date-time)' : 'use format iso for a string field',
        });
      } else if (column.nullable) {
        problems.push({ field: 'event_time.field', problem: `${doc.event_time.field} may be null or absent in the schema`, fix: 'make it required and not nullable in the schema: every row needs an event time' });
      } else {
        column.type = 'timestamp_ms';
        eventTime = { column: column.name, path: column.path, format };
      }
    }
  }
  if (doc.write.mode === 'append' && !doc.event_time) problems.push({ field: 'event_time', problem: 'an append table needs an event time', fix: 'add event_time: {field: <field>, format: iso|epoch_ms|epoch_s}' });
  if (doc.write.mode === 'append' && !doc.partitioning.time) problems.push({ field: 'partitioning.time', problem: 'an append table is partitioned by its event time', fix: 'add partitioning.time: hour (or day for fewer, larger files)' });
  if (doc.write.mode === 'latest_by_key') {
    const key = requiredField('write.key', doc.write.key, 'key');
    if (key?.nullable) problems.push({ field: 'write.key', problem: `${doc.write.key} may be null or absent in the schema`, fix: 'make the key required and not nullable' });
    if (doc.partitioning.time || doc.partitioning.fields.length > 0) problems.push({ field: 'partitioning', problem: 'a latest_by_key table is rewritten whole, so it is not partitioned', fix: 'remove partitioning' });
  }

  let dedupKey: ResolvedTableSpec['dedupKey'];
  if (doc.dedup_key !== undefined) {
    const column = requiredField('dedup_key', doc.dedup_key, 'de-duplication key');
    if (column?.nullable) problems.push({ field: 'dedup_key', problem: `${doc.dedup_key} may be null or absent in the schema`, fix: 'make it required and not nullable, or remove dedup_key' });
    else if (column?.json) problems.push({ field: 'dedup_key', problem: `${doc.dedup_key} is an object or array`, fix: 'use a scalar field' });
    else if (column) dedupKey = { column: column.name, path: column.path };
  }

  for (const [name, normalizer] of Object.entries(doc.normalize)) {
    const column = requiredField(`normalize.${name}`, name, 'normalised field');
    if (column && (column.type !== 'string' || column.json)) problems.push({ field: `normalize.${name}`, problem: `${name} is not a string field, so ${normalizer} does not apply`, fix: 'normalise string fields only' });
  }

  const lookups: SpecLookup[] = doc.lookups.map((l, i) => {
    const field = requiredField(`lookups[${i}].on.field`, l.on.field, 'lookup field');
    return { alias: l.alias, table: l.table, field: field?.name ?? l.on.field, column: l.on.column, columns: l.columns };
  });
  const aliases = new Set(['e']);
  doc.lookups.forEach((l, i) => {
    if (aliases.has(l.alias)) problems.push({ field: `lookups[${i}].alias`, problem: `alias ${l.alias} is taken${l.alias === 'e' ? ' (e is the record)' : ''}`, fix: 'choose another alias' });
    aliases.add(l.alias);
  });

  const names = new Set(recordColumns.map((c) => c.name));
  const derivedColumns: DerivedColumn[] = [];
  doc.derived_columns.forEach((d, i) => {
    if (names.has(d.name)) {
      problems.push({ field: `derived_columns[${i}].name`, problem: `${d.name} is already a column`, fix: 'choose another name, or drop the field it clashes with' });
      return;
    }
    names.add(d.name);
    derivedColumns.push({ name: d.name, type: lakeTypeOfSpec(d.type), nullable: d.nullable, sql: d.sql, ...(d.comment ? { comment: d.comment } : {}) });
  });

  const columns: LakeColumn[] = [
    ...recordColumns.map(({ name, type, nullable, comment }) => ({ name, type, nullable, ...(comment ? { comment } : {}) })),
    ...derivedColumns.map(({ name, type, nullable, comment }) => ({ name, type, nullable, ...(comment ? { comment } : {}) })),
  ];

  const partitioning: SpecPartitionField[] = [];
  if (doc.partitioning.time && eventTime) partitioning.push({ name: `${eventTime.column}_${doc.partitioning.time}`, column: eventTime.column, transform: doc.partitioning.time });
  doc.partitioning.fields.forEach((p, i) => {
    const at = `partitioning.fields[${i}]`;
    const column = requiredField(`${at}.field`, p.field, 'partition field');
    if (!column) return;
    if (column.json) {
      problems.push({ field: `${at}.field`, problem: `${p.field} is an object or array`, fix: 'partition on a scalar field' });
      return;
    }
    if (p.transform === 'bucket') {
      if (!BUCKET_SOURCE_TYPES.has(column.type)) problems.push({ field: `${at}.transform`, problem: `Iceberg cannot bucket a ${column.type} field (${p.field})`, fix: 'bucket an integer, string, date or timestamp field' });
      else partitioning.push({ name: `${column.name}_bucket`, column: column.name, transform: 'bucket', buckets: p.buckets });
      return;
    }
    const bound = column.values?.length ?? p.max_distinct_per_object;
    if (bound === undefined) {
      problems.push({
        field: `${at}.field`,
        problem: `${p.field} has unbounded values: one object could spread over any number of files`,
        fix: `declare max_distinct_per_object (at most ${MAX_IDENTITY_VALUES}), list the values with enum in the schema, or use transform: bucket with buckets: <n>`,
      });
      return;
    }
    if (bound > MAX_IDENTITY_VALUES) {
      problems.push({ field: `${at}.field`, problem: `${p.field} has ${bound} values, more than ${MAX_IDENTITY_VALUES} files per object`, fix: 'use transform: bucket with buckets: <n>' });
      return;
    }
    partitioning.push({ name: column.name, column: column.name, transform: 'identity', maxDistinctPerObject: bound });
  });
  const partitionNames = new Set<string>();
  for (const p of partitioning) {
    if (partitionNames.has(p.name)) problems.push({ field: 'partitioning', problem: `two partition fields are named ${p.name}`, fix: 'partition on each field once' });
    partitionNames.add(p.name);
    // Iceberg refuses a partition field named like a column unless it is that column's identity.
    if (p.transform !== 'identity' && names.has(p.name)) problems.push({ field: 'partitioning', problem: `the partition field ${p.name} has the name of a column`, fix: `rename the column ${p.name} (a derived column, or drop_fields)` });
  }

  const queryNames = new Set<string>();
  doc.queries.forEach((q, i) => {
    if (queryNames.has(q.name)) problems.push({ field: `queries[${i}].name`, problem: `two queries are named ${q.name}`, fix: 'give each query its own name' });
    queryNames.add(q.name);
  });

  if (problems.length > 0) return { problems };
  const icebergSchema = icebergSchemaOf(columns);
  const partitionSpec = partitionSpecFor(icebergSchema, partitioning);
  return {
    problems,
    spec: {
      source,
      table: doc.table,
      ...(doc.description ? { description: doc.description } : {}),
      topics: doc.topics,
      write: doc.write,
      recordSchema,
      recordColumns,
      derivedColumns,
      columns,
      ...(eventTime ? { eventTime } : {}),
      dropFields: doc.drop_fields,
      normalize: doc.normalize,
      lookups,
      ...(dedupKey ? { dedupKey } : {}),
      partitioning,
      parquet: { codec: doc.parquet.codec, ...(doc.parquet.target_file_size_mb ? { targetFileBytes: doc.parquet.target_file_size_mb * 1024 * 1024 } : {}) },
      schemaEvolution: doc.schema_evolution,
      icebergSchema,
      partitionSpec,
      queries: doc.queries,
    },
  };
}

/** The Iceberg partition spec of a table's partition fields: ids from 1000, in spec order. */
export function partitionSpecFor(schema: IcebergSchema, partitioning: readonly SpecPartitionField[]): PartitionSpec {
  const fields: PartitionField[] = partitioning.map((p, i) => {
    const source = schema.fields.find((f) => f.name === p.column);
    if (!source) throw new Error(`partition column ${p.column} is not in the schema`);
    return { name: p.name, transform: p.transform === 'bucket' ? `bucket[${p.buckets}]` : p.transform, 'source-id': source.id, 'field-id': FIRST_PARTITION_FIELD_ID + i };
  });
  return { 'spec-id': 0, fields };
}
