/**
 * A seeded `simulate --backfill` in export realism, run through the ETL's own processing (validate,
 * de-duplicate, derive, write Parquet, quarantine), offline: what the lake and the quarantine hold
 * is pinned exactly, and reconciled with what the producer sent. A change to the simulator's quirks
 * or to the ETL's cleaning shows here as a changed number, not as silence.
 *
 * No broker or S3: the staged objects are written as the sink writes them, to a directory, and the
 * lake is a directory (etl-worker/processing, the same classes the worker runs). It needs the
 * etl-worker build (the integration project builds first).
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createEtlMetrics, DirectoryLakeStore, DuckDbEncoder, EventValidator, LakeObjectWriter, prepareAndWrite, StagedObjectPreparer } from '@spotify-pipeline/etl-worker/processing';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import type { StagedFileManifest } from '@spotify-pipeline/shared/schemas';
import { BatchGenerator } from '../../src/simulator/generator-spec';
import { RecordKind } from '../../src/simulator/play-batch';

const TOPIC = 'listening-events';
/** The ETL's event-time window is relative to now: fixed, so the counts never depend on the day the test runs. */
const NOW = Date.UTC(2026, 0, 1);

interface Sent {
  lines: Buffer[];
  valid: number;
  notJson: number;
  schemaInvalid: number;
  times: number[];
}

/** Exactly the records `producer-service simulate --backfill` sends for this seed: valid events and malformed ones. */
function send(startIso: string, seed: number): Sent {
  const startMs = Date.parse(startIso);
  const generator = new BatchGenerator({
    world: { seed, users: 2_000, tracks: 20_000, realism: 'export' },
    window: { seed, startMs, endMs: startMs + 2 * 86_400_000, sessionsPerSecond: (2_000 * 1.5) / 86_400 },
    malformedRatio: 0.02,
    maxValid: 6_000,
    batchRecords: 2_048,
  });
  const sent: Sent = { lines: [], valid: 0, notJson: 0, schemaInvalid: 0, times: [] };
  for (let batch = generator.next(); batch; batch = generator.next()) {
    for (let i = 0; i < batch.count; i++) {
      sent.lines.push(Buffer.from(batch.data.subarray(batch.offsets[i]!, batch.offsets[i + 1]!)));
      sent.times.push(batch.eventTimes[i]!);
      const kind = batch.kinds[i]!;
      if (kind === RecordKind.NOT_JSON) sent.notJson++;
      else if (kind === RecordKind.SCHEMA_INVALID) sent.schemaInvalid++;
      else sent.valid++;
    }
  }
  return sent;
}

/** A staged object as consumer-service writes it: NDJSON.gz and its manifest. */
function stage(dir: string, sent: Sent, partition: number): StagedFileManifest {
  const body = gzipSync(Buffer.concat(sent.lines.flatMap((line) => [line, Buffer.from('\n')])));
  const key = `staging/${TOPIC}/${TOPIC}+${partition}+${String(0).padStart(20, '0')}.ndjson.gz`;
  writeFileSync(join(dir, `object-${partition}.ndjson.gz`), body);
  return {
    schema_version: 1,
    bucket: 'staging',
    key,
    size_bytes: body.length,
    sha256: createHash('sha256').update(body).digest('hex'),
    record_count: sent.lines.length,
    source: { topic: TOPIC, partition, first_offset: 0, last_offset: sent.lines.length - 1 },
    format: 'ndjson',
    compression: 'gzip',
    event_time_min_ms: Math.min(...sent.times),
    event_time_max_ms: Math.max(...sent.times),
    written_at_ms: NOW,
  };
}

describe('ETL quarantine and cleaning of a seeded export-realism backfill (exact counts)', () => {
  const work = mkdtempSync(join(tmpdir(), 'etl-counts-'));
  let encoder: DuckDbEncoder;

  beforeAll(async () => {
    encoder = await DuckDbEncoder.create({ threads: 1, memoryLimitMb: 512, rowGroupRows: 122_880 });
  });

  afterAll(async () => {
    await encoder.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('lands every valid record once, quarantines every malformed one by reason, and keeps the quirks as data', async () => {
    // 2016: free-text platforms, "" reasons, skipped always false. 2024: audiobooks, the current vocabulary.
    const runs = [send('2016-06-06T00:00:00Z', 17), send('2024-03-04T00:00:00Z', 17)];
    const staged = join(work, 'staged');
    const lake = join(work, 'lake');
    mkdirSync(staged);
    const manifests = runs.map((run, partition) => stage(staged, run, partition));
    const source = { open: async (m: StagedFileManifest) => createReadStream(join(staged, `object-${m.source.partition}.ndjson.gz`)) };
    const preparer = new StagedObjectPreparer(source, new EventValidator(), () => encoder.tempPath('.ndjson'), undefined, undefined, {
      window: { maxPastMs: 20 * 365 * 86_400_000, maxFutureMs: 86_400_000 },
      now: () => NOW,
    });
    const logger = createLogger({ service: 'etl-counts', level: 'silent' });
    const writer = new LakeObjectWriter(encoder, new DirectoryLakeStore(lake), { dlq: 'dlq' }, createEtlMetrics(createRegistry('etl-counts', false)), logger);
    const outcomes = await prepareAndWrite(manifests, preparer, writer);

    const sent = { records: runs.reduce((n, r) => n + r.lines.length, 0), valid: runs.reduce((n, r) => n + r.valid, 0), notJson: runs.reduce((n, r) => n + r.notJson, 0), schemaInvalid: runs.reduce((n, r) => n + r.schemaInvalid, 0) };
    const rowsOut = outcomes.reduce((n, o) => n + o.rowsOut, 0);
    const quarantine = outcomes.flatMap((o) => o.manifests).filter((m) => m.operation === 'quarantine');
    const byReason: Record<string, number> = {};
    for (const m of quarantine) {
      const reason = /reason=([a-z_]+)/.exec(m.key)![1]!;
      byReason[reason] = (byReason[reason] ?? 0) + m.row_count;
    }
    const input = outcomes.map((o) => o.manifests[0]!.input!);

    // Reconciled with what the producer sent: every valid record a row, every malformed one quarantined.
    expect(rowsOut).toBe(sent.valid);
    expect(input.reduce((n, i) => n + i.rejected_count, 0)).toBe(sent.notJson + sent.schemaInvalid);
    expect(input.reduce((n, i) => n + i.duplicate_count, 0)).toBe(0);
    expect(byReason.not_json).toBe(sent.notJson);
    // And pinned: the seed's exact counts.
    expect({ sent, rowsOut, byReason }).toEqual({
      sent: { records: 12_294, valid: 12_000, notJson: 150, schemaInvalid: 144 },
      rowsOut: 12_000,
      // The injector's schema-invalid records: a missing event_id is a breaking change, the rest break a rule.
      byReason: { breaking_change: 48, not_json: 150, schema_invalid: 96 },
    });

    // What the lake holds of the quirks (the ETL cleans nothing away that is data).
    const files = readdirSync(join(lake, 'listening_events', 'data'), { recursive: true }).filter((f) => String(f).endsWith('.parquet'));
    expect(files.length).toBeGreaterThan(0);
    const [row] = await encoder.query(`
      SELECT count(*) AS rows,
        count(*) FILTER (WHERE content_type = 'track') AS tracks,
        count(*) FILTER (WHERE content_type = 'episode') AS episodes,
        count(*) FILTER (WHERE content_type = 'audiobook') AS audiobooks,
        count(*) FILTER (WHERE content_type = 'unknown') AS unknown,
        count(*) FILTER (WHERE track_uri IS NULL AND track_name IS NOT NULL) AS local_files,
        count(*) FILTER (WHERE conn_country = 'ZZ') AS country_zz,
        count(*) FILTER (WHERE reason_start = '') AS reason_empty,
        count(*) FILTER (WHERE reason_end IS NULL) AS reason_null,
        count(*) FILTER (WHERE skipped IS NULL) AS skipped_null,
        count(*) FILTER (WHERE skipped) AS skipped_true,
        count(*) FILTER (WHERE skipped AND ts >= TIMESTAMP '2015-04-01' AND ts < TIMESTAMP '2022-11-01') AS skipped_true_2015_2022,
        count(*) FILTER (WHERE is_skip) AS is_skip,
        count(*) FILTER (WHERE shuffle IS NULL) AS shuffle_null,
        count(*) FILTER (WHERE offline) AS offline,
        count(*) FILTER (WHERE offline_timestamp IS NOT NULL AND NOT offline) AS online_with_offline_timestamp,
        count(*) FILTER (WHERE offline_timestamp < 100000000000) AS offline_timestamp_odd,
        count(*) FILTER (WHERE artist_uri IS NOT NULL) AS with_artist_uri,
        count(*) FILTER (WHERE epoch_ms(ts) % 1000 <> 0) AS fractional_seconds,
        count(DISTINCT platform_family) AS platform_families,
        count(*) FILTER (WHERE platform LIKE 'Android OS%' OR platform LIKE 'iOS %' OR platform LIKE 'web_player%') AS free_text_platforms
      FROM read_parquet('${join(lake, 'listening_events', 'data')}/**/*.parquet')`);
    const counts = Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
    expect(counts.rows).toBe(sent.valid);
    expect(counts.fractional_seconds).toBe(0);
    expect(counts.skipped_true_2015_2022).toBe(0);
    expect(counts).toEqual({
      rows: 12_000,
      tracks: 11_802,
      episodes: 114,
      audiobooks: 16,
      // Kept and typed unknown: rows with every content field null (a removed track), and local files (names, no URI).
      unknown: 68,
      local_files: 45,
      country_zz: 36,
      // "" reasons only in the 2016 half; null reasons in both.
      reason_empty: 296,
      reason_null: 31,
      skipped_null: 0,
      // All from 2024: in 2015-04..2022-10 exports have no skips.
      skipped_true: 2_605,
      skipped_true_2015_2022: 0,
      // The ETL's derived skip (skipped or fwdbtn/backbtn/endplay) sees the 2016 skips skipped=false hides.
      is_skip: 5_100,
      shuffle_null: 242,
      offline: 175,
      online_with_offline_timestamp: 7_014,
      offline_timestamp_odd: 431,
      with_artist_uri: 11_802,
      fractional_seconds: 0,
      platform_families: 5,
      free_text_platforms: 5_186,
    });
  }, 180_000);
});
