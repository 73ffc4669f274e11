import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { icebergSchemaOf } from '../../../src/iceberg/schema';
import { LISTENING_EVENTS_COLUMNS, TRACKS_COLUMNS } from '../../../src/schemas';
import { BUILT_IN_SPECS_DIR, loadTableSpec, loadTableSpecs, TableSpecError } from '../../../src/table-spec';

const FIXTURES = join(__dirname, 'fixtures');

/** The error lines a spec file's loading throws (fails the test when it loads). */
async function problemsOf(load: Promise<unknown>): Promise<string[]> {
  try {
    await load;
  } catch (err) {
    expect(err).toBeInstanceOf(TableSpecError);
    return (err as TableSpecError).lines;
  }
  throw new Error('the spec loaded');
}

describe('built-in table specs', () => {
  it('imply exactly the lake columns the Spotify tables have today, in field-id order', async () => {
    const specs = await loadTableSpecs([]);
    const byTable = new Map(specs.map((s) => [s.table, s]));
    const shape = (columns: Array<{ name: string; type: string; nullable: boolean }>) => columns.map(({ name, type, nullable }) => ({ name, type, nullable }));
    expect(shape(byTable.get('listening_events')!.columns)).toEqual(shape(LISTENING_EVENTS_COLUMNS));
    expect(shape(byTable.get('tracks')!.columns)).toEqual(shape(TRACKS_COLUMNS));
    const ids = (s: { fields: Array<{ id: number; name: string; type: unknown }> }) => s.fields.map(({ id, name, type }) => ({ id, name, type }));
    expect(ids(byTable.get('listening_events')!.icebergSchema)).toEqual(ids(icebergSchemaOf(LISTENING_EVENTS_COLUMNS)));
  });

  it('partition listening_events by hour(ts), de-duplicate on event_id and leave tracks unpartitioned', async () => {
    const [events, tracks] = await Promise.all([loadTableSpec(join(BUILT_IN_SPECS_DIR, 'listening_events.table.yaml')), loadTableSpec(join(BUILT_IN_SPECS_DIR, 'tracks.table.yaml'))]);
    expect(events.partitionSpec.fields).toEqual([{ name: 'ts_hour', transform: 'hour', 'source-id': 3, 'field-id': 1000 }]);
    expect(events.dedupKey).toEqual({ column: 'event_id', path: ['event_id'] });
    expect(events.eventTime).toEqual({ column: 'ts', path: ['ts'], format: 'iso' });
    expect(tracks.partitionSpec.fields).toEqual([]);
    expect(tracks.write).toEqual({ mode: 'latest_by_key', key: 'track_id' });
  });
});

describe('a spec for an unrelated topic (web clicks)', () => {
  it('flattens the nested object, drops the PII field, converts the epoch-ms event time and partitions by day, identity and bucket', async () => {
    const spec = await loadTableSpec(join(FIXTURES, 'web_clicks.table.yaml'));
    expect(spec.columns.map((c) => `${c.name}:${c.type}${c.nullable ? '?' : ''}`)).toEqual([
      'click_id:string',
      'occurred_at_ms:timestamp_ms',
      'user_id:string',
      'device:string',
      'page_url:string',
      'page_referrer:string?',
      'page_load_ms:double?',
      'tags:string?',
      'page_host:string?',
    ]);
    expect(spec.recordColumns.find((c) => c.name === 'page_url')!.path).toEqual(['page', 'url']);
    expect(spec.recordColumns.find((c) => c.name === 'tags')!.json).toBe(true);
    expect(spec.partitionSpec.fields.map((f) => [f.name, f.transform, f['source-id']])).toEqual([
      ['occurred_at_ms_day', 'day', 2],
      ['device', 'identity', 4],
      ['user_id_bucket', 'bucket[8]', 3],
    ]);
    expect(spec.partitioning[1]!.maxDistinctPerObject).toBe(3);
    expect(spec.parquet).toEqual({ codec: 'zstd', targetFileBytes: 64 * 1024 * 1024 });
    expect(spec.schemaEvolution).toBe('strict');
  });
});

describe('a bad spec fails with one line per problem naming the file, the field and the fix', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'table-spec-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const baseSchema = {
    type: 'object',
    properties: { id: { type: 'string' }, at: { type: 'string', format: 'date-time' }, country: { type: 'string' }, amount: { type: 'number' } },
    required: ['id', 'at', 'country'],
  };
  const baseSpec = ['spec_version: 1', 'table: orders', 'topics: [orders]', 'schema: orders.schema.json', 'event_time: { field: at, format: iso }', 'partitioning: { time: hour }'];

  async function write(spec: string[], schema: object = baseSchema): Promise<string> {
    await writeFile(join(dir, 'orders.schema.json'), JSON.stringify(schema));
    const file = join(dir, 'orders.table.yaml');
    await writeFile(file, spec.join('\n'));
    return file;
  }

  it('accepts the base spec (so each case below fails for its own reason)', async () => {
    await expect(loadTableSpec(await write(baseSpec))).resolves.toMatchObject({ table: 'orders' });
  });

  it('an unknown field type in the schema', async () => {
    const file = await write(baseSpec, { ...baseSchema, properties: { ...baseSchema.properties, amount: { type: 'decimal' } } });
    const lines = await problemsOf(loadTableSpec(file));
    expect(lines).toEqual([`${file}: schema#/properties/amount/type: type "decimal" is not a JSON Schema type — fix: use string, integer, number, boolean, object, array or null`]);
  });

  it('an event-time field missing from the schema', async () => {
    const file = await write(baseSpec.map((l) => (l.startsWith('event_time') ? 'event_time: { field: created, format: iso }' : l)));
    const lines = await problemsOf(loadTableSpec(file));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(`${file}: event_time.field: created is not a field of the schema — fix: name a field of the schema: id, at, country, amount`);
  });

  it('a field partition with unbounded values', async () => {
    const file = await write([...baseSpec.slice(0, -1), 'partitioning: { time: hour, fields: [{ field: country, transform: identity }] }']);
    const lines = await problemsOf(loadTableSpec(file));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${file}: partitioning\\.fields\\[0\\]\\.field: country has unbounded values: .* — fix: declare max_distinct_per_object .*bucket`));
  });

  it('a key the spec format does not have, a wrong enum value and a missing field, all at once', async () => {
    const file = await write(['spec_version: 1', 'table: orders', 'schema: orders.schema.json', 'event_time: { field: at, format: unix }', 'partition: { time: hour }']);
    const lines = await problemsOf(loadTableSpec(file));
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${file}: topics: .* — fix: add it \\(array\\)$`)),
        expect.stringMatching(new RegExp(`^${file}: event_time\\.format: .* — fix: use one of "iso", "epoch_ms", "epoch_s"$`)),
        expect.stringMatching(new RegExp(`^${file}: \\(the file\\): .* — fix: remove partition `)),
      ]),
    );
    expect(lines).toHaveLength(3);
  });

  it('a nullable event time, an epoch format over a string, a bucket on a double', async () => {
    const schema = { ...baseSchema, required: ['id'] };
    const file = await write([...baseSpec.slice(0, -1), 'partitioning: { time: hour, fields: [{ field: amount, transform: bucket, buckets: 4 }] }'], schema);
    expect(await problemsOf(loadTableSpec(file))).toEqual([
      `${file}: event_time.field: at may be null or absent in the schema — fix: make it required and not nullable in the schema: every row needs an event time`,
      `${file}: partitioning.fields[0].transform: Iceberg cannot bucket a double field (amount) — fix: bucket an integer, string, date or timestamp field`,
    ]);
    const epoch = await write(baseSpec.map((l) => (l.startsWith('event_time') ? 'event_time: { field: country, format: epoch_ms }' : l)));
    expect(await problemsOf(loadTableSpec(epoch))).toEqual([`${epoch}: event_time.format: country is string in the schema, which format epoch_ms cannot read — fix: use format iso for a string field`]);
  });

  it('a missing schema file and invalid YAML', async () => {
    const file = await write(baseSpec.map((l) => (l.startsWith('schema:') ? 'schema: nope.json' : l)));
    expect(await problemsOf(loadTableSpec(file))).toEqual([expect.stringMatching(new RegExp(`^${file}: schema: nope\\.json does not exist .* — fix: name the JSON Schema file relative to the spec file$`))]);
    await writeFile(file, 'table: [orders');
    expect(await problemsOf(loadTableSpec(file))).toEqual([expect.stringMatching(new RegExp(`^${file}: \\(the file\\): is not valid YAML: .* — fix: correct the syntax`))]);
  });

  it('two specs for one topic, and a lookup of a table nobody declares', async () => {
    await write(baseSpec);
    await writeFile(join(dir, 'orders2.table.yaml'), [...baseSpec.map((l) => (l === 'table: orders' ? 'table: orders_copy' : l)), 'lookups: [{ alias: c, table: customers, on: { field: id, column: id }, columns: [name] }]'].join('\n'));
    const lines = await problemsOf(loadTableSpecs([dir], { builtIn: false }));
    expect(lines).toEqual([
      `${join(dir, 'orders2.table.yaml')}: topics[0]: topic orders already feeds table orders (orders.table.yaml) — fix: a topic feeds one table: remove it from one of the specs`,
      `${join(dir, 'orders2.table.yaml')}: lookups[0].table: no spec declares table customers — fix: name one of orders, orders_copy`,
    ]);
  });
});

describe('builtInTableSpec (what the ETL writes the Spotify tables with)', () => {
  it('is the spec the shipped file declares, resolved without reading it', async () => {
    const { builtInTableSpec } = await import('../../../src/table-spec');
    for (const table of ['listening_events', 'tracks']) {
      const fromFile = await loadTableSpec(join(BUILT_IN_SPECS_DIR, `${table}.table.yaml`));
      expect({ ...builtInTableSpec(table), source: '' }).toEqual({ ...fromFile, source: '' });
    }
  });
});

describe('saved queries of specs', () => {
  it('are named once per spec and once per deployment', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'table-spec-queries-'));
    try {
      const schema = { type: 'object', properties: { id: { type: 'string' }, at: { type: 'string', format: 'date-time' } }, required: ['id', 'at'] };
      await writeFile(join(dir, 'a.schema.json'), JSON.stringify(schema));
      const spec = (table: string, queries: string[]) =>
        ['spec_version: 1', `table: ${table}`, `topics: [${table}]`, 'schema: a.schema.json', 'event_time: { field: at, format: iso }', 'partitioning: { time: day }', 'queries:', ...queries.map((q) => `  - { name: ${q}, description: d, sql: "SELECT 1" }`)].join('\n');
      await writeFile(join(dir, 'a.table.yaml'), spec('a', ['daily', 'daily']));
      await writeFile(join(dir, 'b.table.yaml'), spec('b', ['weekly']));
      await writeFile(join(dir, 'c.table.yaml'), spec('c', ['weekly']));
      const lines = await problemsOf(loadTableSpecs([dir], { builtIn: false }));
      expect(lines).toEqual([
        `${join(dir, 'a.table.yaml')}: queries[1].name: two queries are named daily — fix: give each query its own name`,
        `${join(dir, 'c.table.yaml')}: queries[0].name: query weekly is also declared by b.table.yaml — fix: query names are one namespace for the deployment: rename one`,
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
