import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildWorld, encodeListeningEvent, ListeningSimulator, sessionsForEventRate } from '@spotify-pipeline/producer-service';
import { LISTENING_EVENTS_COLUMNS, toDuckDbType } from '@spotify-pipeline/shared/schemas';
import { BUILT_IN_SPECS_DIR, loadTableSpec, resolveTableSpec, tableSpecDocument, type ResolvedTableSpec } from '@spotify-pipeline/shared/table-spec';
import { fieldsOf, type ColumnFields } from '../../../src/parquet/copy-options';
import { DuckDbEncoder } from '../../../src/parquet/duckdb-encoder';
import { MemorySchemaCatalog } from '../../../src/sink/memory-schema-catalog';
import { TableSchemas } from '../../../src/sink/table-schemas';
import { copyToHourPartitions, HOUR_KEY_COLUMN, type ExtraColumn } from '../../../src/transform/lake-sql';
import { copyToTimePartitions, DAY_KEY_COLUMN, ETL_LOOKUP_RELATIONS, listeningEventColumnNames, listeningEventsSelect, specTableColumnNames, specTableSelect, timePartitionKey } from '../../../src/transform/spec-table-sql';
import { preSpecListeningEventsSelect } from '../../fixtures/pre-spec-listening-events-sql';
import { listeningEvent } from '../../fixtures/listening-events';

/** The shared package's example spec of an unrelated topic: both packages hold the same file to account. */
const WEB_CLICKS_SPEC = resolve(__dirname, '..', '..', '..', '..', 'shared', 'test', 'unit', 'table-spec', 'fixtures', 'web_clicks.table.yaml');

const EXTRAS: ExtraColumn[] = [
  { name: 'mood', type: 'string' },
  { name: 'bpm', type: 'bigint' },
  { name: 'gain_db', type: 'double' },
  { name: 'liked', type: 'boolean' },
];

/**
 * Six hours of the producer's seeded simulator (export realism: local files without a track uri,
 * podcasts, quirky platforms), and what the ETL meets in real data on top: lower-case countries,
 * new fields on some lines, personal data on others. Every other track has a known duration.
 */
function simulatedInput(): { lines: string[]; durations: Map<string, number> } {
  const startMs = Date.parse('2026-11-20T06:00:00Z');
  const world = buildWorld({ seed: 11, users: 2_000, tracks: 50_000, realism: 'export' });
  const simulator = new ListeningSimulator(world, { seed: 11, startMs, endMs: startMs + 6 * 3_600_000, sessionsPerSecond: sessionsForEventRate(0.25) });
  const lines: string[] = [];
  const seen = new Set<string>();
  const durations = new Map<string, number>();
  for (let play = simulator.next(), i = 0; play; play = simulator.next(), i++) {
    const uri = play.event.track_uri;
    if (uri && !seen.has(uri)) {
      if (seen.size % 2 === 0) durations.set(uri, play.durationMs);
      seen.add(uri);
    }
    const event: Record<string, unknown> = { ...play.event };
    if (i % 7 === 0) event.conn_country = play.event.conn_country.toLowerCase();
    if (i % 5 === 0) Object.assign(event, { mood: ['calm', 'upbeat', null][i % 3], bpm: 60 + (i % 120), gain_db: i % 4 === 0 ? null : -((i % 90) / 10), liked: i % 2 === 0 });
    if (i % 9 === 0) Object.assign(event, { ip_addr: `10.0.${i % 250}.${i % 200}`, username: `someone-${i}` });
    lines.push(Object.keys(event).length === Object.keys(play.event).length ? encodeListeningEvent(play.event) : JSON.stringify(event));
  }
  return { lines, durations };
}

async function parquetFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.parquet')).sort();
}

const sha256 = async (path: string): Promise<string> => createHash('sha256').update(await readFile(path)).digest('hex');

/** The file as it is: DuckDB would otherwise add its folder's `key=value` as a column. */
const scan = (glob: string): string => `read_parquet('${glob}', hive_partitioning = false)`;

describe('table spec SQL (DuckDB in process)', () => {
  let encoder: DuckDbEncoder;
  let dir: string;

  beforeAll(async () => {
    // The worker's DuckDB settings: one thread, insertion order kept (duckdb-encoder.ts).
    encoder = await DuckDbEncoder.create({ threads: 1, memoryLimitMb: 256, rowGroupRows: 500 });
    dir = await mkdtemp(join(tmpdir(), 'etl-spec-sql-'));
  });
  afterAll(async () => {
    await encoder.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Field ids of a fresh table of `columns`, with `extras` added as the writer adds them. */
  async function fieldsFor(table: string, columns: ResolvedTableSpec['columns'], extras: ExtraColumn[] = []): Promise<ColumnFields> {
    const schemas = new TableSchemas(new MemorySchemaCatalog([{ name: table, columns }]));
    const all = [...columns, ...extras.map((c) => ({ ...c, nullable: true }))];
    return fieldsOf(await schemas.fields(table, all), all.map((c) => c.name));
  }

  describe('listening_events from its built-in spec', () => {
    let spec: ResolvedTableSpec;
    beforeAll(async () => {
      spec = await loadTableSpec(join(BUILT_IN_SPECS_DIR, 'listening_events.table.yaml'));
    });

    it('has the columns and the hour key of the hand-written SQL, and never names a dropped field', () => {
      expect(specTableColumnNames(spec, EXTRAS)).toEqual(listeningEventColumnNames(EXTRAS));
      const key = timePartitionKey(spec)!;
      expect(key.column).toBe(HOUR_KEY_COLUMN);
      expect(copyToTimePartitions('SELECT 1', '/out', key, { rowGroupRows: 10 })).toBe(copyToHourPartitions('SELECT 1', '/out', { rowGroupRows: 10 }));
      const sql = specTableSelect(spec, '/in.ndjson', { extras: EXTRAS, timeKey: key });
      for (const dropped of spec.dropFields) expect(sql).not.toContain(dropped);
    });

    it('writes Parquet files byte-identical to the hand-written SQL the ETL ran before table specs', async () => {
      const { lines, durations } = simulatedInput();
      await encoder.setTrackDurations(durations);
      const fields = await fieldsFor('listening_events', LISTENING_EVENTS_COLUMNS, EXTRAS);

      // The worker's path: the built-in spec's SQL (listeningEventsSelect), as the ETL runs it.
      const specDir = join(dir, 'spec');
      const today = await encoder.encodeListeningEventsByHour({ lines }, EXTRAS, specDir, fields);
      expect(listeningEventsSelect('/x.ndjson', EXTRAS, true)).toBe(specTableSelect(spec, '/x.ndjson', { extras: EXTRAS, lookupRelations: ETL_LOOKUP_RELATIONS, timeKey: timePartitionKey(spec) }));

      // The reference: the pre-spec SQL (test/fixtures), same NDJSON text, same COPY options.
      const ndjson = join(dir, 'events.ndjson');
      await writeFile(ndjson, lines.join('\n'));
      const todayDir = join(dir, 'pre-spec');
      const written = await encoder.run(copyToHourPartitions(preSpecListeningEventsSelect(ndjson, EXTRAS, true), todayDir, { rowGroupRows: encoder.rowGroupRows, fields }));

      expect(written).toBe(lines.length);
      expect(today.reduce((sum, f) => sum + f.rows, 0)).toBe(lines.length);
      const files = await parquetFiles(specDir);
      expect(files).toEqual(await parquetFiles(todayDir));
      expect(files.length).toBeGreaterThanOrEqual(6);
      for (const file of files) expect({ file, sha256: await sha256(join(specDir, file)) }).toEqual({ file, sha256: await sha256(join(todayDir, file)) });

      // The comparison covers what it claims: both sides of the lookup, normalised countries, new columns, PII on the input.
      expect(lines.length).toBeGreaterThan(3_000);
      expect(lines.filter((l) => l.includes('"ip_addr"')).length).toBeGreaterThan(100);
      expect(lines.filter((l) => /"conn_country":"[a-z]{2}"/.test(l)).length).toBeGreaterThan(100);
      const [counts] = await encoder.query(
        `SELECT count(*) FILTER (WHERE completion_ratio IS NOT NULL)::INTEGER AS known, count(*) FILTER (WHERE completion_ratio IS NULL AND track_uri IS NOT NULL)::INTEGER AS unknown, ` +
          `count(*) FILTER (WHERE conn_country <> upper(conn_country))::INTEGER AS lower, count(mood)::INTEGER AS mood, count(bpm)::INTEGER AS bpm, count(gain_db)::INTEGER AS gain, ` +
          `count(liked)::INTEGER AS liked, count(DISTINCT event_hour)::INTEGER AS hours FROM ${scan(join(specDir, '**', '*.parquet'))}`,
      );
      expect(counts).toMatchObject({ lower: 0, hours: 6 });
      for (const name of ['known', 'unknown', 'mood', 'bpm', 'gain', 'liked']) expect(counts![name]).toBeGreaterThan(100);
      const [groups] = await encoder.query(`SELECT max(row_group_id)::INTEGER + 1 AS most FROM parquet_metadata('${join(specDir, '**', '*.parquet')}')`);
      expect(groups!.most).toBeGreaterThan(1);
      const names = (await encoder.query(`DESCRIBE SELECT * FROM ${scan(join(specDir, files[0]!))}`)).map((c) => c.column_name);
      expect(names).toEqual(listeningEventColumnNames(EXTRAS));
    });

    it('gives derived columns the normalised record values (alias e), not the raw ones', async () => {
      const custom: ResolvedTableSpec = { ...spec, derivedColumns: [...spec.derivedColumns, { name: 'country_seen', type: 'string', nullable: true, sql: 'e.conn_country' }] };
      const ndjson = join(dir, 'lower.ndjson');
      await writeFile(ndjson, JSON.stringify(listeningEvent(1, { conn_country: 'se' })));
      const rows = await encoder.query(`SELECT conn_country, country_seen FROM (${specTableSelect(custom, ndjson)})`);
      expect(rows).toEqual([{ conn_country: 'SE', country_seen: 'SE' }]);
    });
  });

  describe('web_clicks (the shared fixture spec)', () => {
    const clicks = [
      {
        click_id: 'click-0001',
        occurred_at_ms: Date.parse('2026-01-01T00:00:00.123Z'),
        user_id: 'u-1',
        ip_address: '203.0.113.9',
        device: 'mobile',
        page: { url: 'https://shop.example.com/p/1?x=1', referrer: 'https://search.example.org/', load_ms: 12.5 },
        tags: ['sale', 'new'],
      },
      { click_id: 'click-0002', occurred_at_ms: Date.parse('2026-01-01T23:59:59.999Z'), user_id: 'u-2', ip_address: '203.0.113.10', device: 'desktop', page: { url: 'http://localhost:8080/cart', referrer: null } },
      { click_id: 'click-0003', occurred_at_ms: Date.parse('2026-01-02T00:00:00.000Z'), user_id: 'u-3', device: 'tablet', page: { url: 'https://shop.example.com/', load_ms: 3 }, tags: [] },
    ];
    // A value written by hand, not by JSON.stringify: spaces and an escaped quote inside the array.
    const handWritten = `{"click_id":"click-0004","occurred_at_ms":1767312000001,"user_id":"u-4","ip_address":"198.51.100.1","device":"mobile","page":{"url":"https://a.example/x"},"tags":[ "a" ,  "b \\"q\\"" ]}`;
    const lines = [...clicks.map((c) => JSON.stringify(c)), handWritten];

    it('reads the nested object, null and absent nested values, the array as JSON text and the epoch-ms time; the PII field is absent', async () => {
      const spec = await loadTableSpec(WEB_CLICKS_SPEC);
      const ndjson = join(dir, 'clicks.ndjson');
      await writeFile(ndjson, lines.join('\n'));
      const key = timePartitionKey(spec)!;
      expect(key.column).toBe(DAY_KEY_COLUMN);
      const select = specTableSelect(spec, ndjson, { timeKey: key });
      expect(select).not.toContain('ip_address');

      const out = join(dir, 'clicks');
      const fields = await fieldsFor('web_clicks', spec.columns);
      expect(await encoder.run(copyToTimePartitions(select, out, key, { rowGroupRows: encoder.rowGroupRows, fields }))).toBe(lines.length);
      expect(await parquetFiles(out)).toEqual([`${DAY_KEY_COLUMN}=2026-01-01/part_0.parquet`, `${DAY_KEY_COLUMN}=2026-01-02/part_0.parquet`]);

      const glob = join(out, '**', '*.parquet');
      const described = await encoder.query(`DESCRIBE SELECT * FROM ${scan(glob)}`);
      expect(described.map((c) => [c.column_name, c.column_type])).toEqual(spec.columns.map((c) => [c.name, toDuckDbType(c.type)]));
      const ids = await encoder.query(`SELECT DISTINCT name, field_id::INTEGER AS field_id FROM parquet_schema('${glob}') WHERE name <> 'duckdb_schema' ORDER BY field_id`);
      expect(ids).toEqual(spec.icebergSchema.fields.map((f) => ({ name: f.name, field_id: f.id })));

      const rows = await encoder.query(`SELECT * REPLACE (strftime(occurred_at_ms, '%Y-%m-%dT%H:%M:%S.%gZ') AS occurred_at_ms) FROM ${scan(glob)} ORDER BY click_id`);
      expect(rows).toEqual([
        { click_id: 'click-0001', occurred_at_ms: '2026-01-01T00:00:00.123Z', user_id: 'u-1', device: 'mobile', page_url: 'https://shop.example.com/p/1?x=1', page_referrer: 'https://search.example.org/', page_load_ms: 12.5, tags: '["sale","new"]', page_host: 'shop.example.com' },
        { click_id: 'click-0002', occurred_at_ms: '2026-01-01T23:59:59.999Z', user_id: 'u-2', device: 'desktop', page_url: 'http://localhost:8080/cart', page_referrer: null, page_load_ms: null, tags: null, page_host: 'localhost:8080' },
        { click_id: 'click-0003', occurred_at_ms: '2026-01-02T00:00:00.000Z', user_id: 'u-3', device: 'tablet', page_url: 'https://shop.example.com/', page_referrer: null, page_load_ms: 3, tags: '[]', page_host: 'shop.example.com' },
        // DuckDB gives the JSON text back minified, not as written; it parses to the value written.
        { click_id: 'click-0004', occurred_at_ms: '2026-01-02T00:00:00.001Z', user_id: 'u-4', device: 'mobile', page_url: 'https://a.example/x', page_referrer: null, page_load_ms: null, tags: '["a","b \\"q\\""]', page_host: 'a.example' },
      ]);
      expect(JSON.parse(rows[3]!.tags as string)).toEqual(['a', 'b "q"']);
    });
  });

  describe('a spec with what the two above do not use', () => {
    // camelCase keys, an object inside an object, a free-form object inside one, epoch seconds
    // with a fraction, a dropped nested field, every normaliser, and a lookup whose relation
    // names its columns otherwise than the looked-up table.
    const schema = {
      type: 'object',
      properties: {
        orderId: { type: 'string' },
        placedAt: { type: 'number' },
        customer: {
          type: 'object',
          properties: {
            email: { type: 'string' },
            country: { type: 'string' },
            segment: { type: 'string' },
            address: { type: 'object', properties: { city: { type: ['string', 'null'] }, geo: { type: 'object' } } },
          },
          required: ['country'],
        },
        sku: { type: 'string' },
        qty: { type: 'integer' },
      },
      required: ['orderId', 'placedAt', 'sku', 'qty'],
    };
    const doc = tableSpecDocument.parse({
      spec_version: 1,
      table: 'orders',
      topics: ['orders'],
      schema: 'orders.schema.json',
      event_time: { field: 'placedAt', format: 'epoch_s' },
      drop_fields: ['customer.email'],
      normalize: { 'customer.country': 'upper', customer_segment: 'lower', sku: 'trim' },
      lookups: [{ alias: 'p', table: 'products', on: { field: 'sku', column: 'sku' }, columns: ['price'] }],
      derived_columns: [
        { name: 'total', type: 'double', sql: 'e.qty * p.price' },
        { name: 'domestic', type: 'boolean', sql: "e.customer_country = 'SE'" },
      ],
      partitioning: { time: 'day' },
    });
    const resolved = resolveTableSpec('orders.table.yaml', doc, schema);
    const spec = resolved.spec!;
    const relations = new Map([['products', '(SELECT product_sku AS sku, unit_price AS price FROM catalog_prices)']]);

    it('resolves (the test would otherwise test nothing)', () => {
      expect(resolved.problems).toEqual([]);
      expect(spec.columns.map((c) => c.name)).toEqual(['orderid', 'placedat', 'customer_country', 'customer_segment', 'customer_address_city', 'customer_address_geo', 'sku', 'qty', 'total', 'domestic']);
    });

    it('reads nested structs by the keys as the record spells them, converts, normalises and looks up', async () => {
      await encoder.run('CREATE OR REPLACE TABLE catalog_prices (product_sku VARCHAR PRIMARY KEY, unit_price DOUBLE); INSERT INTO catalog_prices VALUES (\'SKU-1\', 2.5), (\'SKU-2\', 10.0)');
      const lines = [
        { orderId: 'o-1', placedAt: 1767225600.25, customer: { email: 'a@example.com', country: 'se', segment: ' Retail ', address: { city: 'Lund', geo: { lat: 55.7, lon: 13.19, tags: ['x'] } } }, sku: '  SKU-1 ', qty: 4 },
        { orderId: 'o-2', placedAt: 1767312000, customer: { country: 'NO', segment: 'B2B', address: { city: null } }, sku: 'SKU-3', qty: 1 },
        { orderId: 'o-3', placedAt: 1767312001.000001, customer: { country: 'Se' }, sku: 'SKU-2', qty: 2 },
      ].map((l) => JSON.stringify(l));
      const ndjson = join(dir, 'orders.ndjson');
      await writeFile(ndjson, lines.join('\n'));
      const select = specTableSelect(spec, ndjson, { lookupRelations: relations, timeKey: timePartitionKey(spec) });
      expect(select).not.toContain('email');
      const rows = await encoder.query(`SELECT * REPLACE (strftime(placedat, '%Y-%m-%dT%H:%M:%S.%fZ') AS placedat) FROM (${select})`);
      expect(rows).toEqual([
        { orderid: 'o-1', placedat: '2026-01-01T00:00:00.250000Z', customer_country: 'SE', customer_segment: ' retail ', customer_address_city: 'Lund', customer_address_geo: '{"lat":55.7,"lon":13.19,"tags":["x"]}', sku: 'SKU-1', qty: '4', total: 10, domestic: true, [DAY_KEY_COLUMN]: '2026-01-01' },
        { orderid: 'o-2', placedat: '2026-01-02T00:00:00.000000Z', customer_country: 'NO', customer_segment: 'b2b', customer_address_city: null, customer_address_geo: null, sku: 'SKU-3', qty: '1', total: null, domestic: false, [DAY_KEY_COLUMN]: '2026-01-02' },
        { orderid: 'o-3', placedat: '2026-01-02T00:00:01.000001Z', customer_country: 'SE', customer_segment: null, customer_address_city: null, customer_address_geo: null, sku: 'SKU-2', qty: '2', total: 20, domestic: true, [DAY_KEY_COLUMN]: '2026-01-02' },
      ]);
      const types = await encoder.query(`DESCRIBE SELECT * FROM (${specTableSelect(spec, ndjson, { lookupRelations: relations })})`);
      expect(types.map((c) => c.column_type)).toEqual(spec.columns.map((c) => toDuckDbType(c.type)));
    });

    it('reads ISO times with an offset as the UTC instant they name (read as TIMESTAMP, DuckDB would drop the offset)', async () => {
      const iso = resolveTableSpec('orders.table.yaml', { ...doc, event_time: { field: 'placedAt', format: 'iso' }, derived_columns: [] }, { ...schema, properties: { ...schema.properties, placedAt: { type: 'string', format: 'date-time' } } }).spec!;
      const ndjson = join(dir, 'orders-iso.ndjson');
      const times = ['2026-11-20T10:00:00+01:00', '2026-11-20T10:00:00.5-05:30', '2026-11-20T10:00:00Z'];
      await writeFile(ndjson, times.map((placedAt, i) => JSON.stringify({ orderId: `o-${i}`, placedAt, sku: 'SKU-1', qty: 1 })).join('\n'));
      const rows = await encoder.query(`SELECT strftime(placedat, '%Y-%m-%dT%H:%M:%S.%fZ') AS t FROM (${specTableSelect(iso, ndjson, { lookupRelations: relations })})`);
      expect(rows.map((r) => r.t)).toEqual(['2026-11-20T09:00:00.000000Z', '2026-11-20T15:30:00.500000Z', '2026-11-20T10:00:00.000000Z']);
    });

    it('reads integer epoch seconds exactly', () => {
      const integer = resolveTableSpec('orders.table.yaml', doc, { ...schema, properties: { ...schema.properties, placedAt: { type: 'integer' } } }).spec!;
      expect(specTableSelect(integer, '/in.ndjson', { lookupRelations: relations })).toContain('make_timestamp(r."placedAt" * 1000000) AS "placedat"');
    });

    it('refuses a lookup the caller holds no relation for, and a new column that is a field already', () => {
      expect(() => specTableSelect(spec, '/in.ndjson', { lookupRelations: new Map() })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
      expect(() => specTableSelect(spec, '/in.ndjson', { lookupRelations: relations, extras: [{ name: 'sku', type: 'string' }] })).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
      expect(() => specTableSelect(spec, '/in.ndjson', { lookupRelations: relations, extras: [{ name: 'customer', type: 'string' }] })).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    });
  });
});
