import { gunzipSync } from 'node:zlib';
import { startKafka, startS3, uniqueName, waitUntil } from '@spotify-pipeline/testkit';
import { fromKafkaHeaders, LISTENING_EVENTS_COLUMNS, type ListeningEvent, type StagedFileManifest, type Track } from '@spotify-pipeline/shared/schemas';
import { base62Id, listeningEvent } from '../fixtures/listening-events';
import { LakeHarness, LakeReader, ledgerOf } from './lake-harness';

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
    // One file per (staged object, event hour), at the DESIGN.md key.
    for (const m of adds) expect(m.key).toMatch(new RegExp(`^listening_events/dt=${m.partition!.dt}/hour=${m.partition!.hour}/part-${harness.names.listeningEvents}\\+\\d\\+\\d{20}\\.parquet$`));
    expect(new Set(adds.map((m) => m.key)).size).toBe(adds.length);

    // Every file, read back by DuckDB and by hyparquet, holds exactly its valid input rows.
    const byId = new Map(valid.map((e) => [e.event_id, e]));
    const seen: string[] = [];
    for (const m of adds) {
      const body = await harness.getObject(m.key);
      const sqlRows = await reader.duckdb([body], (from) => `SELECT event_id, strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS ts, user_id, ms_played::INTEGER AS ms_played, conn_country, completion_ratio, is_skip, content_type FROM ${from}`);
      const jsRows = await reader.hyparquet(body);
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

    // The tracks dimension: a snapshot with the latest version of each track.
    const snapshot = await waitUntil('a tracks snapshot', async () => (await harness.lakeManifests()).find((m) => m.table === 'tracks'), 30_000, 500);
    expect(snapshot.key).toMatch(/^tracks\/snapshot=[0-9a-f]{16}\/tracks\.parquet$/);
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
    // Read through the ledger, the lake still holds each event once (the keys were overwritten, not added).
    const live = ledgerOf(await harness.lakeManifests()).liveFiles('listening_events');
    expect(live.reduce((sum, f) => sum + f.rowCount, 0)).toBe(valid.length);
  });
});
