/**
 * What the Iceberg benchmarks share: a namespace of their own in the REST catalog, data files
 * written the way the ETL writes them (DuckDB, ZSTD, Iceberg field ids) and the `pipeline.lake-files`
 * manifests that catalog-sync's TableCommitter turns into snapshots.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { PositionedManifest } from '@spotify-pipeline/catalog-sync/local';
import type { RestCatalog, S3FileIO } from '@spotify-pipeline/shared/iceberg';
import type { LakeColumn, LakeFileManifest } from '@spotify-pipeline/shared/schemas';
import { uniqueName } from '@spotify-pipeline/testkit';

const HOUR_MS = 3_600_000;

/** A unique namespace per run: Iceberg names take no hyphens in every engine. */
export const benchNamespace = (prefix: string): string => uniqueName(prefix).replace(/-/g, '_');

/**
 * Drops a benchmark's tables and namespace from the catalog (their files go with the bucket). The
 * project's REST client has no drop (the pipeline never drops a table), so this speaks the REST
 * protocol directly: Apache Iceberg's own server, which serves it without a path prefix.
 */
export async function dropNamespace(rest: RestCatalog, namespace: string): Promise<void> {
  const base = `${rest.uri.replace(/\/$/, '')}/v1/namespaces/${encodeURIComponent(namespace)}`;
  for (const table of await rest.listTables(namespace)) {
    const dropped = await fetch(`${base}/tables/${encodeURIComponent(table)}`, { method: 'DELETE' });
    if (!dropped.ok) throw new Error(`drop table ${namespace}.${table}: HTTP ${dropped.status} ${await dropped.text()}`);
  }
  const gone = await fetch(base, { method: 'DELETE' });
  if (!gone.ok) throw new Error(`drop namespace ${namespace}: HTTP ${gone.status} ${await gone.text()}`);
}

/** `FIELD_IDS` of DuckDB's COPY: ids 1..n in column order, as the lake tables declare them (icebergSchemaOf). */
export const fieldIds = (columns: LakeColumn[]): string => `{${columns.map((c, i) => `"${c.name}": ${i + 1}`).join(', ')}}`;

export interface WrittenDataFile {
  uri: string;
  key: string;
  rows: number;
  sizeBytes: number;
  sha256: string;
}

/** `COPY (select) TO path` as Parquet with the table's field ids, then the file uploaded to `s3://bucket/key`. */
export async function writeDataFile(
  connection: DuckDBConnection,
  io: S3FileIO,
  file: { select: string; columns: LakeColumn[]; path: string; bucket: string; key: string; rows: number },
): Promise<WrittenDataFile> {
  await connection.run(`COPY (${file.select}) TO '${file.path}' (FORMAT parquet, COMPRESSION zstd, FIELD_IDS ${fieldIds(file.columns)})`);
  const body = await readFile(file.path);
  const uri = `s3://${file.bucket}/${file.key}`;
  await io.write(uri, body);
  return { uri, key: file.key, rows: file.rows, sizeBytes: body.length, sha256: createHash('sha256').update(body).digest('hex') };
}

/**
 * The manifest the ETL would announce for a written file: an `add` of one event hour, or (hour
 * omitted, operation `compact`) the unpartitioned tracks snapshot. `offset` is its position on the
 * manifest topic, which the committer records in the snapshot summary.
 */
export function lakeFileManifest(
  file: WrittenDataFile,
  m: { table: string; bucket: string; offset: number; dt?: string; hour?: string; operation?: LakeFileManifest['operation'] },
): PositionedManifest {
  const start = m.dt && m.hour ? Date.parse(`${m.dt}T${m.hour}:00:00Z`) : 0;
  const manifest: LakeFileManifest = {
    schema_version: 1,
    operation: m.operation ?? 'add',
    table: m.table,
    bucket: m.bucket,
    key: file.key,
    partition: m.dt && m.hour ? { dt: m.dt, hour: m.hour } : null,
    size_bytes: file.sizeBytes,
    sha256: file.sha256,
    row_count: file.rows,
    source: { topic: 'bench-events', partition: 0, first_offset: m.offset, last_offset: m.offset },
    staged_key: null,
    input: null,
    event_time_min_ms: start,
    event_time_max_ms: start + HOUR_MS - 1,
    watermark_ms: start + HOUR_MS - 1,
    new_columns: [],
    replaces: [],
    written_at_ms: start + HOUR_MS,
  };
  return { manifest, topic: 'bench-lake-files', partition: 0, offset: m.offset };
}
