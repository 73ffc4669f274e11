import { gunzipSync } from 'node:zlib';
import { startKafka, startS3, uniqueName, waitUntil } from '@spotify-pipeline/testkit';
import { currentSchema } from '@spotify-pipeline/shared/iceberg';
import { fromKafkaHeaders, LISTENING_EVENTS_COLUMNS, TRACKS_COLUMNS, type ListeningEvent, type StagedFileManifest, type Track } from '@spotify-pipeline/shared/schemas';
import { base62Id, listeningEvent } from '../fixtures/listening-events';
import { distinctAdds, LakeHarness, LakeReader } from './lake-harness';

function track(i: number, durationMs: number): Track {
  return {
    schema_version: 1,
    track_id: base62Id(i),
    uri: `spotify:track:${base62Id(i)}`,
    name: `Track ${i}`,
    artist_id: `artist-${i}`,
    artist_name: `Artist ${i}`,
    album_id: `album-${i}`,
    album_name: `Album ${i}`,
    release_date: '2020-01-01',
    duration_ms: durationMs,
    explicit: false,
    popularity: 50,
    genre: 'pop',
    isrc: null,
    danceability: 0.5,
    energy: 0.5,
    key: 5,
    loudness: -7,
    mode: 1,
    speechiness: 0.1,
    acousticness: 0.2,
    instrumentalness: 0,
    liveness: 0.1,
    valence: 0.6,
    tempo: 120,
    time_signature: 4,
    updated_at: '2026-11-01T00:00:00Z',
  };
}

describe('etl-worker: staged objects in, Parquet out (real broker + S3Proxy)', () => {
  let harness: LakeHarness;
  let reader: LakeReader;

  beforeAll(async () => {
    harness = new LakeHarness(await startKafka(), await startS3());
    await harness.setUp();
    reader = await LakeReader.create();
  });
  afterAll(async () => {
    await reader.close();
    await harness.tearDown();
  });

  it('writes every valid row once, quarantines the rest with reasons, and reprocessing rewrites the same objects', async () => {
    // Tracks 0..24 are known (duration 200 s); tracks 25..49 are not: their completion_ratio stays null.
    await harness.publish(
      harness.names.tracks,
      Array.from({ length: 25 }, (_, i) => ({ key: base62Id(i), value: JSON.stringify(track(i, 200_000)) })),
    );
    const valid: ListeningEvent[] = [];
    const rejectedLines = new Map<string, string>();
    const staged: StagedFileManifest[] = [];
    for (let object = 0; object < 4; object++) {
      const events = Array.from({ length: 150 }, (_, k) => listeningEvent(object * 1000 + k));
      const lines = events.map((e) => JSON.stringify(e));
      // Object 2 carries a new optional field; every object a duplicate, and rejects of each kind.
      if (object === 2) lines.splice(0, lines.length, ...events.map((e) => JSON.stringify({ ...e, listening_device_volume: 70 })));
      lines.push(lines[3]!);
      const bad = [`garbage-${object}`, JSON.stringify({ ...events[0], event_id: `bad-type-${object}`, ms_played: 'x' }), JSON.stringify({ ...events[0], event_id: `bad-value-${object}`, conn_country: 'XXX' })];
      bad.forEach((line, i) => rejectedLines.set(line, ['not_json', 'breaking_change', 'schema_invalid'][i]!));
      lines.push(...bad);
      valid.push(...events);
      staged.push(await harness.stage(object % 3, lines, events.map((e) => Date.parse(e.ts))));
    }

    // A record on the manifest topic that is not a manifest: to the DLQ, and the worker moves on.
    await harness.publish(harness.names.stagedFiles, [{ partition: 1, key: 'junk', value: '{"not":"a manifest"}' }]);

    const app = await harness.startWorker();
    const manifests = await harness.waitForStaged(staged.map((m) => m.key));
    await app.close();

    const adds = manifests.filter((m) => m.operation === 'add' && m.table === 'listening_events');
    expect(adds.length).toBeGreaterThanOrEqual(staged.length);
    // One file per (staged object, event hour), under the table's data folder of the hour (Iceberg's own layout).
    for (const m of adds) expect(m.key).toMatch(new RegExp(`^listening_events/data/ts_hour=${m.partition!.dt}-${m.partition!.hour}/part-${harness.names.listeningEvents}\\+\\d\\+\\d{20}\\.parquet$`));
    expect(new Set(adds.map((m) => m.key)).size).toBe(adds.length);

    // The worker created both Iceberg tables; the new field became a column of the table (the next id, long).
    const table = (await harness.catalog.loadTable(harness.namespace, 'listening_events'))!;
    const schema = currentSchema(table.metadata);
    expect(schema.fields.map((f) => f.name)).toEqual([...LISTENING_EVENTS_COLUMNS.map((c) => c.name), 'listening_device_volume']);
    expect(schema.fields.at(-1)).toMatchObject({ id: LISTENING_EVENTS_COLUMNS.length + 1, type: 'long', required: false });
    expect(table.metadata['partition-specs'][0]!.fields).toEqual([expect.objectContaining({ name: 'ts_hour', transform: 'hour' })]);
    expect(currentSchema((await harness.catalog.loadTable(harness.namespace, 'tracks'))!.metadata).fields.map((f) => f.name)).toEqual(TRACKS_COLUMNS.map((c) => c.name));
    const idOf = new Map(schema.fields.map((f) => [f.name, f.id]));

    // Every file, read back by DuckDB and by hyparquet, holds exactly its valid input rows.
    const byId = new Map(valid.map((e) => [e.event_id, e]));
    const seen: string[] = [];
    for (const m of adds) {
      const body = await harness.getObject(m.key);
      const sqlRows = await reader.duckdb([body], (from) => `SELECT event_id, strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS ts, user_id, ms_played::INTEGER AS ms_played, conn_country, completion_ratio, is_skip, content_type FROM ${from}`);
      const jsRows = await reader.hyparquet(body);
      // Every column carries the table's field id: Iceberg readers resolve columns by id.
      const ids = await reader.fieldIds(body);
      expect(Object.keys(ids).length).toBeGreaterThanOrEqual(LISTENING_EVENTS_COLUMNS.length);
      for (const [name, id] of Object.entries(ids)) expect(id).toBe(idOf.get(name));
      expect(m.metrics!.value_counts[String(idOf.get('event_id'))]).toBe(m.row_count);
      expect(sqlRows.length).toBe(m.row_count);
      expect(jsRows.length).toBe(m.row_count);
      expect(jsRows.map((r) => r.event_id)).toEqual(sqlRows.map((r) => r.event_id));
      expect(Object.keys(jsRows[0]!).slice(0, LISTENING_EVENTS_COLUMNS.length)).toEqual(LISTENING_EVENTS_COLUMNS.map((c) => c.name));
      for (const [i, row] of sqlRows.entries()) {
        const input = byId.get(row.event_id as string)!;
        expect(input).toBeDefined();
        expect(row).toMatchObject({ ts: input.ts, user_id: input.user_id, ms_played: input.ms_played, conn_country: input.conn_country, content_type: 'track' });
        expect(`${input.ts.slice(0, 10)}/${input.ts.slice(11, 13)}`).toBe(`${m.partition!.dt}/${m.partition!.hour}`);
        const trackIndex = Number(/Track (\d+)/.exec(input.track_name!)![1]);
        expect(row.completion_ratio).toBe(trackIndex < 25 ? input.ms_played / 200_000 : null);
        expect(row.is_skip).toBe(Boolean(input.skipped) || ['fwdbtn', 'backbtn', 'endplay'].includes(input.reason_end ?? ''));
        expect((jsRows[i]!.ts as Date).toISOString()).toBe(new Date(input.ts).toISOString());
        expect(Number(jsRows[i]!.ms_played)).toBe(input.ms_played);
      }
      seen.push(...sqlRows.map((r) => r.event_id as string));
    }
    expect(seen.sort()).toEqual([...byId.keys()].sort());

    // Schema evolution: the new field became a nullable column, announced by the manifests of its files only.
    const evolved = adds.filter((m) => m.new_columns.length > 0);
    expect(evolved.every((m) => m.staged_key === staged[2]!.key)).toBe(true);
    expect(evolved[0]!.new_columns).toEqual([{ name: 'listening_device_volume', type: 'bigint' }]);
    const volumes = await reader.duckdb([await harness.getObject(evolved[0]!.key)], (from) => `SELECT DISTINCT listening_device_volume AS v FROM ${from}`);
    expect(volumes).toEqual([{ v: '70' }]);

    // Rejected rows: all in quarantine with their reasons, and in the DLQ with the DLQ headers.
    const quarantine = manifests.filter((m) => m.operation === 'quarantine');
    const quarantined = new Map<string, string>();
    for (const m of quarantine) {
      const lines = gunzipSync(await harness.getObject(m.key)).toString().trim().split('\n').map((l) => JSON.parse(l) as { reason: string; line: string });
      expect(lines.length).toBe(m.row_count);
      for (const l of lines) {
        expect(m.key).toContain(`/reason=${l.reason}/`);
        quarantined.set(l.line, l.reason);
      }
    }
    expect(quarantined).toEqual(rejectedLines);
    const allDlq = await harness.dlqMessages();
    const manifestRejects = allDlq.filter((m) => fromKafkaHeaders(m.headers as never)['source.topic'] === harness.names.stagedFiles);
    expect(manifestRejects.map((m) => [m.value!.toString(), fromKafkaHeaders(m.headers as never)['error.code']])).toEqual([['{"not":"a manifest"}', 'RECORD_INVALID']]);
    const dlq = allDlq.filter((m) => !manifestRejects.includes(m));
    expect(dlq.length).toBe(rejectedLines.size);
    for (const message of dlq) {
      const headers = fromKafkaHeaders(message.headers as never);
      expect(headers['failed.stage']).toBe('etl');
      expect(headers['source.topic']).toBe(harness.names.listeningEvents);
      expect(rejectedLines.has(message.value!.toString())).toBe(true);
    }
    // The ledger reconciles per staged object: records = rows + rejected + duplicates.
    for (const s of staged) {
      const files = adds.filter((m) => m.staged_key === s.key);
      const input = files[0]!.input!;
      expect(input.staged_record_count).toBe(s.record_count);
      expect(files.reduce((sum, m) => sum + m.row_count, 0) + input.rejected_count + input.duplicate_count).toBe(s.record_count);
      expect(input.duplicate_count).toBe(1);
    }

    // The tracks dimension: a snapshot with the latest version of each track, replacing the whole (unpartitioned) table.
    const snapshot = await waitUntil('a tracks snapshot', async () => (await harness.lakeManifests()).find((m) => m.table === 'tracks'), 30_000, 500);
    expect(snapshot.key).toMatch(/^tracks\/data\/tracks-[0-9a-f]{16}\.parquet$/);
    expect(snapshot).toMatchObject({ operation: 'compact', partition: null, replaces: [] });
    expect(Object.keys(snapshot.metrics!.value_counts).length).toBe(TRACKS_COLUMNS.length);
    const tracks = await reader.duckdb([await harness.getObject(snapshot.key)], (from) => `SELECT count(*)::INTEGER AS n, min(duration_ms)::INTEGER AS d FROM ${from}`);
    expect(tracks).toEqual([{ n: 25, d: 200_000 }]);

    // Reprocessing the same manifests (a fresh consumer group) rewrites the same keys, bytes and counts.
    const rerun = await harness.startWorker({ ETL_GROUP_ID: uniqueName('etl-rerun'), ETL_TRANSACTIONAL_ID: uniqueName('etl-rerun-txn') });
    const before = new Map(adds.map((m) => [m.key, m]));
    const all = await waitUntil('the rerun to commit every file again', async () => {
      const ms = (await harness.lakeManifests()).filter((m) => m.operation === 'add' && m.table === 'listening_events');
      return ms.length >= adds.length * 2 ? ms : undefined;
    }, 120_000, 500);
    await rerun.close();
    const again = all.filter((m) => !adds.some((a) => a.written_at_ms === m.written_at_ms && a.key === m.key));
    expect(again.map((m) => m.key).sort()).toEqual([...before.keys()].sort());
    for (const m of again) {
      expect(m.row_count).toBe(before.get(m.key)!.row_count);
      expect(m.sha256).toBe(before.get(m.key)!.sha256);
    }
    // The files the manifests name hold each event once (the keys were overwritten, not added).
    const files = distinctAdds(await harness.lakeManifests());
    expect(files.reduce((sum, m) => sum + m.row_count, 0)).toBe(valid.length);

    // Committed to the table (a stand-in for catalog-sync), Trino reads what the files and manifests say:
    // every event once, the new column by its field id, and no file wrongly skipped on its ts bounds.
    await harness.committer.commit('listening_events', await harness.lakeManifests());
    await harness.committer.commit('tracks', await harness.lakeManifests());
    const trino = harness.trino();
    const from = Date.parse('2026-11-20T10:30:00Z');
    const to = Date.parse('2026-11-20T11:15:00Z');
    const [counts] = (
      await trino.query(
        `SELECT count(*) AS n, count(DISTINCT event_id) AS ids, count_if(listening_device_volume = 70) AS volume, ` +
          `count_if(ts >= TIMESTAMP '2026-11-20 10:30:00' AND ts < TIMESTAMP '2026-11-20 11:15:00') AS windowed FROM listening_events`,
      )
    ).rows;
    expect(counts).toEqual({ n: valid.length, ids: valid.length, volume: 150, windowed: valid.filter((e) => Date.parse(e.ts) >= from && Date.parse(e.ts) < to).length });
    const [pruned] = (await trino.query(`SELECT count(*) AS n FROM listening_events WHERE ts >= TIMESTAMP '2026-11-20 10:30:00' AND ts < TIMESTAMP '2026-11-20 11:15:00'`)).rows;
    expect(pruned!.n).toBe(counts!.windowed);
    expect((await trino.query('SELECT count(*) AS n, min(duration_ms) AS d FROM tracks')).rows).toEqual([{ n: 25, d: 200_000 }]);
  });
});
