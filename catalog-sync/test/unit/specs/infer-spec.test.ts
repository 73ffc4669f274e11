import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTableSpec, TableSpecError, type ResolvedTableSpec } from '@spotify-pipeline/shared/table-spec';
import { draftSpecYaml } from '../../../src/specs/draft-spec-yaml';
import { inferSpec, specFileName, type InferredSpec } from '../../../src/specs/infer-spec';
import { CLICKS_START_MS, clickRecords, orderRecords, productRecords } from '../../fixtures/sampled-records';

describe('inferSpec: a draft table spec from sampled records', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infer-spec-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** Writes the draft as spec infer does and loads it as spec check and the services do. */
  async function writeDraft(inferred: InferredSpec): Promise<string> {
    await writeFile(join(dir, inferred.document.schema), JSON.stringify(inferred.schema, null, 2));
    const file = join(dir, specFileName(inferred.document.table));
    await writeFile(file, draftSpecYaml(inferred.document, inferred.notes, 'a test sample'));
    return file;
  }
  const loadDraft = async (inferred: InferredSpec): Promise<ResolvedTableSpec> => loadTableSpec(await writeDraft(inferred));

  /** The lines the draft's loading throws (fails the test when it loads). */
  async function draftProblems(inferred: InferredSpec): Promise<string[]> {
    try {
      await loadDraft(inferred);
    } catch (err) {
      expect(err).toBeInstanceOf(TableSpecError);
      return (err as TableSpecError).lines;
    }
    throw new Error('the draft loaded');
  }

  it('clicks: epoch-ms event time, hourly partitions, event_id as dedup key, the IP address dropped, and the draft loads', async () => {
    const inferred = inferSpec(clickRecords(60), { table: 'web_clicks', topic: 'web-clicks' });
    expect(inferred.document).toEqual({
      spec_version: 1,
      table: 'web_clicks',
      topics: ['web-clicks'],
      schema: 'web_clicks.schema.json',
      event_time: { field: 'occurred_at_ms', format: 'epoch_ms' },
      dedup_key: 'event_id',
      drop_fields: ['ip_address'],
      partitioning: { time: 'hour' },
      schema_evolution: 'additive',
    });
    const spec = await loadDraft(inferred);
    expect(spec.columns.map((c) => `${c.name}:${c.type}${c.nullable ? '?' : ''}`)).toEqual([
      'event_id:string',
      'occurred_at_ms:timestamp_ms',
      'user_id:string',
      'device:string',
      'page_url:string',
      'page_referrer:string?',
      'page_load_ms:double',
      'coupon:string?',
      'tags:string',
    ]);
    expect(spec.partitionSpec.fields).toEqual([{ name: 'occurred_at_ms_hour', transform: 'hour', 'source-id': 2, 'field-id': 1000 }]);
    expect(spec.dedupKey).toEqual({ column: 'event_id', path: ['event_id'] });
    expect(spec.recordColumns.find((c) => c.name === 'device')!.values).toEqual(['desktop', 'mobile', 'tablet']);
    const notes = inferred.notes.join('\n');
    expect(notes).toMatch(/^event_time: occurred_at_ms \(format epoch_ms\)/m);
    expect(notes).toMatch(/^partitioning\.time: hour — the sampled events span 15 minutes, about 244 events an hour/m);
    expect(notes).toMatch(/^dedup_key: event_id — unique across the 60 sampled records/m);
    expect(notes).toMatch(/^drop_fields: ip_address — named like personal data/m);
    expect(notes).toMatch(/^Few values, listed in the schema: device \(3 values\)\. .*\{ field: device, transform: identity \}/m);
  });

  it('orders: an ISO time (UTC and with an offset) is the event time with format iso; id is the dedup key; the e-mail is dropped', async () => {
    const inferred = inferSpec(orderRecords(10), { table: 'orders', topic: 'orders' });
    expect(inferred.document).toMatchObject({ event_time: { field: 'ts', format: 'iso' }, dedup_key: 'id', drop_fields: ['email'], partitioning: { time: 'hour' } });
    const spec = await loadDraft(inferred);
    expect(spec.eventTime).toEqual({ column: 'ts', path: ['ts'], format: 'iso' });
    // customer_id repeats (three customers): never the dedup key.
    expect(spec.dedupKey?.column).toBe('id');
  });

  it('reads integers in the epoch-seconds range as format epoch_s', async () => {
    const records = Array.from({ length: 5 }, (_, i) => ({ id: `r${i}`, created_at: CLICKS_START_MS / 1000 + i * 60 }));
    const inferred = inferSpec(records, { table: 'signups', topic: 'signups' });
    expect(inferred.document.event_time).toEqual({ field: 'created_at', format: 'epoch_s' });
    expect((await loadDraft(inferred)).eventTime?.format).toBe('epoch_s');
  });

  it('partitions by day when the sample is spread thin over more than a day, and by hour otherwise', () => {
    const sparse = Array.from({ length: 36 }, (_, i) => ({ id: `s${i}`, ts: new Date(CLICKS_START_MS + i * 2 * 3_600_000).toISOString() }));
    const { document, notes } = inferSpec(sparse, { table: 'sparse', topic: 'sparse' });
    expect(document.partitioning).toEqual({ time: 'day' });
    expect(notes.join('\n')).toMatch(/^partitioning\.time: day — the sampled events span 2\.9 days, about 0\.5 events an hour/m);
    // As many events within one hour: hourly.
    const dense = sparse.map((r, i) => ({ ...r, ts: new Date(CLICKS_START_MS + i * 60_000).toISOString() }));
    expect(inferSpec(dense, { table: 'dense', topic: 'dense' }).document.partitioning).toEqual({ time: 'hour' });
  });

  it('without an event time: no event_time but a placeholder, a note, and a draft that fails naming event_time (never a silent pass)', async () => {
    const inferred = inferSpec(productRecords(10), { table: 'products', topic: 'products' });
    expect(inferred.document.event_time).toBeUndefined();
    expect(inferred.notes.join('\n')).toMatch(/^No event time: no field named like a time .* spec check fails on it until you add event_time/m);
    const file = await writeDraft(inferred);
    expect(await readFile(file, 'utf8')).toMatch(/^# event_time: \{ field: <the field that says when the event happened>, format: iso \| epoch_ms \| epoch_s \}$/m);
    expect(await draftProblems(inferred)).toEqual([expect.stringMatching(/products\.table\.yaml: event_time: an append table needs an event time — fix: add event_time/)]);
  });

  it('passes over a better-named time field that is sometimes null, and one whose values are not instants, saying why', () => {
    const records = Array.from({ length: 6 }, (_, i) => ({
      id: `r${i}`,
      ts: i === 2 ? null : new Date(CLICKS_START_MS + i * 1000).toISOString(),
      time: 'morning',
      ...(i === 0 ? {} : { updated_at: new Date(CLICKS_START_MS).toISOString() }),
      created_at: new Date(CLICKS_START_MS + i * 1000).toISOString(),
    }));
    const { document, notes } = inferSpec(records, { table: 'edits', topic: 'edits' });
    expect(document.event_time).toEqual({ field: 'created_at', format: 'iso' });
    expect(notes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ts holds ISO 8601 instants with a zone but is missing or null in some sampled records/),
        expect.stringMatching(/^time is named like a time, but its values are not ISO 8601 instants/),
        expect.stringMatching(/^event_time: created_at \(format iso\)/),
      ]),
    );
  });

  it('takes a unique *_id as dedup key only without a better name, and warns it may name a user or a session', () => {
    const records = Array.from({ length: 8 }, (_, i) => ({ session_id: `s${i}`, user_id: `u${i % 2}`, ts: new Date(CLICKS_START_MS + i * 1000).toISOString() }));
    const { document, notes } = inferSpec(records, { table: 'visits', topic: 'visits' });
    expect(document.dedup_key).toBe('session_id');
    expect(notes.join('\n')).toMatch(/^dedup_key: session_id — .*it is picked because it ends with _id: check it identifies one event, not a user, a session or a device/m);
    // The table's own id wins over another unique *_id; event_id over both.
    const named = records.map((r, i) => ({ visit_id: `v${i}`, ...r }));
    expect(inferSpec(named, { table: 'visits', topic: 'visits' }).document.dedup_key).toBe('visit_id');
    expect(inferSpec(named.map((r, i) => ({ ...r, event_id: `e${i}` })), { table: 'visits', topic: 'visits' }).document.dedup_key).toBe('event_id');
  });

  it('names no dedup key when the id repeats, and says the repeats may be redeliveries', async () => {
    const records = Array.from({ length: 6 }, (_, i) => ({ event_id: `e${i % 5}`, ts: new Date(CLICKS_START_MS + i * 1000).toISOString() }));
    const inferred = inferSpec(records, { table: 'pings', topic: 'pings' });
    expect(inferred.document.dedup_key).toBeUndefined();
    expect(inferred.notes.join('\n')).toMatch(/^event_id repeats in the sample \(1 record shares a value with an earlier one\).*set dedup_key: event_id/m);
    expect(inferred.notes.join('\n')).toMatch(/^No dedup_key:/m);
    expect((await loadDraft(inferred)).dedupKey).toBeUndefined();
  });

  it('drops nested personal data by its dotted path, and the draft loads without those columns', async () => {
    const records = Array.from({ length: 4 }, (_, i) => ({
      id: `r${i}`,
      ts: new Date(CLICKS_START_MS + i * 1000).toISOString(),
      client: { ip: '10.0.0.1', userAgent: 'Mozilla/5.0', os: 'linux' },
      contact: { email: `a${i}@example.com`, phone_number: '+46 0000' },
      password_hash: 'x',
    }));
    const inferred = inferSpec(records, { table: 'logins', topic: 'logins' });
    expect(inferred.document.drop_fields).toEqual(['client.ip', 'client.userAgent', 'contact.email', 'contact.phone_number', 'password_hash']);
    expect((await loadDraft(inferred)).columns.map((c) => c.name)).toEqual(['id', 'ts', 'client_os']);
  });

  it('keeps a key that cannot be a column name, and the draft fails naming it, as the note says', async () => {
    const records = Array.from({ length: 3 }, (_, i) => ({ id: `r${i}`, ts: new Date(CLICKS_START_MS + i * 1000).toISOString(), 'page-views': i }));
    const inferred = inferSpec(records, { table: 'stats', topic: 'stats' });
    expect(inferred.schema.properties).toHaveProperty(['page-views']);
    expect(inferred.notes.join('\n')).toMatch(/^page-views would be the column "page-views", which is not a valid column name/m);
    expect(await draftProblems(inferred)).toEqual([expect.stringMatching(/schema#\/properties\/page-views: field page-views would be the column "page-views", which is not a valid column name/)]);
  });
});
