import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserializeBound, type IcebergPrimitive } from '@spotify-pipeline/shared/iceberg';
import { dataFileMetricsV1, type DataFileMetrics } from '@spotify-pipeline/shared/schemas';
import { parquetCopyOptions, type ColumnField } from '../../../src/parquet/copy-options';
import { DuckDbEncoder } from '../../../src/parquet/duckdb-encoder';

/** Every type the lake writes, with nulls, NaN, -0.0, long and non-BMP strings, over three row groups. */
const COLUMNS: Array<[name: string, type: IcebergPrimitive, sql: string]> = [
  ['a', 'long', '(i - 2500)::BIGINT'],
  ['h', 'int', '(i % 24)::INTEGER'],
  ['c', 'double', 'CASE WHEN i = 0 THEN -0.0 ELSE i * 0.25 END::DOUBLE'],
  ['nan', 'double', "CASE WHEN i = 10 THEN 'NaN'::DOUBLE ELSE i::DOUBLE END"],
  ['flag', 'boolean', '(i % 2 = 0)'],
  ['always', 'boolean', 'true'],
  ['d', 'date', "DATE '2026-11-20' + (i % 30)::INTEGER"],
  ['ts', 'timestamp', "TIMESTAMP '2026-11-20 10:00:00' + to_microseconds(i * 1000003)"],
  // Row group 0 holds only nulls; the others 'ö-<i>' and, in UTF-8 byte order, '～' < '🎵' (UTF-16 says the opposite).
  ['s', 'string', "CASE WHEN i < 2048 THEN NULL WHEN i = 3000 THEN '～' WHEN i = 4500 THEN '🎵' ELSE 'ö-' || i END"],
  ['long_s', 'string', "repeat('x', 70) || i"],
  ['none', 'string', 'NULL::VARCHAR'],
];
const ROWS = 5_000;

describe('Iceberg metrics from the Parquet footer', () => {
  let encoder: DuckDbEncoder;
  let dir: string;
  let path: string;
  let metrics: DataFileMetrics;
  const fields = new Map<string, ColumnField>(COLUMNS.map(([name, type], i) => [name, { id: 100 + i, type }]));
  const id = (name: string): string => String(fields.get(name)!.id);

  beforeAll(async () => {
    encoder = await DuckDbEncoder.create({ threads: 1, memoryLimitMb: 256, rowGroupRows: 2048 });
    dir = await mkdtemp(join(tmpdir(), 'etl-metrics-'));
    path = join(dir, 'all-types.parquet');
    const select = COLUMNS.map(([name, , sql]) => `${sql} AS "${name}"`).join(', ');
    await encoder.run(`COPY (SELECT ${select} FROM range(0, ${ROWS}) t(i) ORDER BY i) TO '${path}' ${parquetCopyOptions({ rowGroupRows: 2048, fields })}`);
    const footer = (await encoder.describeFiles([path], fields)).get(path)!;
    expect(footer.rows).toBe(ROWS);
    metrics = footer.metrics;
  });
  afterAll(async () => {
    await encoder.close();
    await rm(dir, { recursive: true, force: true });
  });

  const bound = (which: 'lower_bounds' | 'upper_bounds', name: string): unknown => {
    const b64 = metrics[which][id(name)];
    return b64 === undefined ? undefined : deserializeBound(fields.get(name)!.type, Buffer.from(b64, 'base64'));
  };

  it('reads a file of several row groups, with the field ids written into it', async () => {
    const groups = await encoder.query(`SELECT count(DISTINCT row_group_id)::INTEGER AS n FROM parquet_metadata('${path}')`);
    expect(groups[0]!.n).toBe(3);
    const ids = await encoder.query(`SELECT name, field_id::INTEGER AS id FROM parquet_schema('${path}') WHERE name <> 'duckdb_schema'`);
    expect(ids).toEqual(COLUMNS.map(([name]) => ({ name, id: fields.get(name)!.id })));
    expect(() => dataFileMetricsV1.parse(metrics)).not.toThrow();
  });

  it('counts values (nulls included), nulls and compressed bytes of every column', () => {
    for (const [name] of COLUMNS) {
      expect(metrics.value_counts[id(name)]).toBe(ROWS);
      expect(metrics.column_sizes[id(name)]).toBeGreaterThan(0);
    }
    expect(metrics.null_value_counts[id('s')]).toBe(2048);
    expect(metrics.null_value_counts[id('none')]).toBe(ROWS);
    expect(metrics.null_value_counts[id('a')]).toBe(0);
  });

  it('gives the same bounds as DuckDB computes over the rows, converted to Iceberg values', async () => {
    const [expected] = await encoder.query(
      `SELECT min(a)::VARCHAR AS a_min, max(a)::VARCHAR AS a_max, min(h) AS h_min, max(h) AS h_max, max(c) AS c_max, ` +
        `(min(d) - DATE '1970-01-01')::INTEGER AS d_min, (max(d) - DATE '1970-01-01')::INTEGER AS d_max, ` +
        `epoch_us(min(ts))::VARCHAR AS ts_min, epoch_us(max(ts))::VARCHAR AS ts_max, min(s) AS s_min, max(s) AS s_max FROM '${path}'`,
    );
    expect(bound('lower_bounds', 'a')).toBe(BigInt(expected!.a_min as string));
    expect(bound('upper_bounds', 'a')).toBe(BigInt(expected!.a_max as string));
    expect([bound('lower_bounds', 'h'), bound('upper_bounds', 'h')]).toEqual([expected!.h_min, expected!.h_max]);
    expect([bound('lower_bounds', 'd'), bound('upper_bounds', 'd')]).toEqual([expected!.d_min, expected!.d_max]);
    expect(bound('lower_bounds', 'ts')).toBe(BigInt(expected!.ts_min as string));
    expect(bound('upper_bounds', 'ts')).toBe(BigInt(expected!.ts_max as string));
    // A zero is widened to -0.0 below: engines order -0.0 first.
    expect(Object.is(bound('lower_bounds', 'c'), -0)).toBe(true);
    expect(bound('upper_bounds', 'c')).toBe(expected!.c_max);
    expect([bound('lower_bounds', 'flag'), bound('upper_bounds', 'flag')]).toEqual([false, true]);
    expect([bound('lower_bounds', 'always'), bound('upper_bounds', 'always')]).toEqual([true, true]);
    // Strings by UTF-8 bytes, across row groups, the all-null row group ignored.
    expect([bound('lower_bounds', 's'), bound('upper_bounds', 's')]).toEqual([expected!.s_min, expected!.s_max]);
    expect(bound('upper_bounds', 's')).toBe('🎵');
  });

  it('publishes no bound it cannot vouch for: NaN, strings over 64 bytes, only nulls', () => {
    for (const name of ['nan', 'long_s', 'none']) {
      expect(metrics.lower_bounds[id(name)]).toBeUndefined();
      expect(metrics.upper_bounds[id(name)]).toBeUndefined();
    }
  });

  it('gives no metrics for a column without a field, and still counts the rows', async () => {
    const partial = new Map([['a', fields.get('a')!]]);
    const footer = (await encoder.describeFiles([path], partial)).get(path)!;
    expect(footer.rows).toBe(ROWS);
    expect(Object.keys(footer.metrics.value_counts)).toEqual([id('a')]);
  });
});
