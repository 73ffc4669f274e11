/**
 * Hostile input through the whole pipeline (issue 14, "Done when": the hostile-input test). Valid
 * listening events are produced to the events topic with every bad case of the issue interleaved
 * (and a few more), and bad staged manifests are produced to the staged-files topic in a Kafka
 * transaction, while the sink, the ETL and catalog-sync run as processes on the real broker, S3
 * server and Iceberg REST catalog. Then:
 * - every valid event is in the lake exactly once (Trino: COUNT, COUNT DISTINCT and the ids);
 * - every bad input is in the DLQ (sink or ETL, by its source partition and offset or its bytes)
 *   or in the quarantine (by its source offset) with its reason code;
 * - no service exited or restarted, and every stage's lag is back to zero.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { TransactionalProducer, type Message } from '@spotify-pipeline/shared/kafka';
import { listeningEventV1, type StagedFileManifest } from '@spotify-pipeline/shared/schemas';
import { header, readTopic, uniqueName, waitUntil } from '@spotify-pipeline/testkit';
import { EventFeed, type Delivered, type FeedRecord } from './support/event-feed';
import { HealthProbes } from './support/health-probes';
import { listeningEvent } from './support/listening-events';
import { createPipelineWorld, lakeTotals, pipelineLag, quarantinedLines, STAGES, type PipelineWorld, type StageName } from './support/pipeline-world';

const PARTITIONS = 3;
const VALID_EVENTS = 1_500;
/** The pipeline's one message limit, small so the oversized case is cheap (KAFKA_MESSAGE_MAX_BYTES, SINK_MAX_RECORD_BYTES). */
const MESSAGE_MAX_BYTES = 262_144;
const HOUR_MS = 3_600_000;

/** What must become of a bad input. */
type Outcome =
  | { sinkDlq: string; messageMatch?: RegExp; truncated?: boolean }
  | { quarantine: string; etlCode: string }
  | { lake: string };

interface HostileRecord {
  name: string;
  record: FeedRecord;
  outcome: Outcome;
}

/** Inserts raw JSON text before the closing brace of a serialised object (what JSON.stringify cannot write). */
const withRaw = (json: string, raw: string): Buffer => Buffer.from(`${json.slice(0, -1)},${raw}}`);

function hostileRecords(valid: (i: number) => Record<string, unknown>, run: string): HostileRecord[] {
  const base = (name: string) => ({ ...valid(0), event_id: `${run}-hostile-${name}` });
  const json = (name: string, extra: Record<string, unknown> = {}) => JSON.stringify({ ...base(name), ...extra });
  const manyFields = Array.from({ length: 12_000 }, (_, i) => `"f${i}":0`).join(',');
  const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
  return [
    // Accepted by the sink (JSON objects), refused by the ETL: quarantined with their own reasons.
    { name: 'lone surrogate escape', record: { value: Buffer.from(json('surrogate', { track_name: 'Song \ud83d' })) }, outcome: { quarantine: 'invalid_text', etlCode: 'RECORD_INVALID' } },
    { name: 'duplicate key', record: { value: withRaw(json('dupkey'), `"user_id":"someone-else"`) }, outcome: { quarantine: 'duplicate_key', etlCode: 'RECORD_INVALID' } },
    { name: 'integer beyond 2^53 in a new field', record: { value: withRaw(json('bigint'), `"play_counter":9007199254740993`) }, outcome: { quarantine: 'number_out_of_range', etlCode: 'RECORD_INVALID' } },
    { name: 'infinite double in a new field', record: { value: withRaw(json('infinite'), `"gain_db":1e999`) }, outcome: { quarantine: 'number_out_of_range', etlCode: 'RECORD_INVALID' } },
    { name: '12,000 new fields', record: { value: withRaw(json('wide'), manyFields) }, outcome: { quarantine: 'unsupported_field', etlCode: 'RECORD_SCHEMA_BREAKING' } },
    { name: 'event dated year 0005', record: { value: Buffer.from(json('y0005', { ts: '0005-06-01T12:00:00.000Z' })) }, outcome: { quarantine: 'event_time_out_of_range', etlCode: 'RECORD_INVALID' } },
    { name: 'event dated year 9999', record: { value: Buffer.from(json('y9999', { ts: '9999-06-01T12:00:00.000Z' })) }, outcome: { quarantine: 'event_time_out_of_range', etlCode: 'RECORD_INVALID' } },
    { name: 'a required field missing', record: { value: Buffer.from(JSON.stringify({ ...base('nouser'), user_id: undefined })) }, outcome: { quarantine: 'breaking_change', etlCode: 'RECORD_SCHEMA_BREAKING' } },
    // Refused by the sink: dead-lettered with the record's own bytes.
    { name: 'not JSON', record: { value: Buffer.from('play: Song 2 by Blur, 121000 ms') }, outcome: { sinkDlq: 'RECORD_NOT_JSON' } },
    { name: 'a JSON array', record: { value: Buffer.from(`[${json('array')}]`) }, outcome: { sinkDlq: 'RECORD_NOT_JSON', messageMatch: /not an object/ } },
    { name: 'invalid UTF-8 bytes', record: { value: Buffer.concat([Buffer.from(`${json('utf8').slice(0, -1)},"track_name":"`), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]) }, outcome: { sinkDlq: 'RECORD_NOT_JSON', messageMatch: /UTF-8/ } },
    { name: 'a tombstone (null value)', record: { value: null, key: 'tombstone-key' }, outcome: { sinkDlq: 'RECORD_NOT_JSON', messageMatch: /tombstone/ } },
    { name: '20,000 levels of nesting', record: { value: withRaw(json('deep'), `"deep":${deep}`) }, outcome: { sinkDlq: 'RECORD_NOT_JSON' } },
    {
      name: 'a value over the message limit',
      record: { value: Buffer.from(json('huge', { track_name: 'x'.repeat(MESSAGE_MAX_BYTES + 50_000) })) },
      outcome: { sinkDlq: 'RECORD_TOO_LARGE', truncated: true },
    },
    { name: 'Kafka timestamp 8.64e15', record: { value: Buffer.from(json('kafkats')), timestamp: 8.64e15 }, outcome: { sinkDlq: 'RECORD_INVALID', messageMatch: /timestamp/ } },
    // Odd but valid: the sink stages it compacted, and it lands like any other event.
    { name: 'a pretty-printed object', record: { value: Buffer.from(JSON.stringify(base('pretty'), null, 2)) }, outcome: { lake: `${run}-hostile-pretty` } },
  ];
}

interface HostileManifest {
  name: string;
  manifest: StagedFileManifest;
  etlCode: string;
  messageMatch: RegExp;
}

describe('hostile input through the sink, the ETL and catalog-sync (real broker, S3 server and catalog)', () => {
  let world: PipelineWorld;
  let feed: EventFeed | undefined;
  let probes: HealthProbes | undefined;

  beforeAll(async () => {
    // On Kafka 4 a topic refuses record timestamps more than an hour ahead by default; a producer
    // writing to a topic that allows them (or an older broker) is how 8.64e15 reaches the sink.
    world = await createPipelineWorld('hostile', { partitions: PARTITIONS, eventsTopicConfig: { 'message.timestamp.after.max.ms': '9223372036854775807' } });
  });

  afterAll(async () => {
    await feed?.close();
    probes?.stop();
    await world?.kill();
  });

  /** Bad manifests on pipeline.staged-files, as a buggy or hostile writer would commit them. */
  async function hostileManifests(): Promise<HostileManifest[]> {
    const source = (first: number, count: number) => ({ topic: `${world.topics.events}-elsewhere`, partition: 0, first_offset: first, last_offset: first + count - 1 });
    const now = Date.now();
    const manifestOf = (bucket: string, key: string, body: Buffer, records: number, first: number): StagedFileManifest => ({
      schema_version: 1,
      bucket,
      key,
      size_bytes: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
      record_count: records,
      source: source(first, records),
      format: 'ndjson',
      compression: 'gzip',
      event_time_min_ms: now - HOUR_MS,
      event_time_max_ms: now - HOUR_MS,
      written_at_ms: now,
    });
    const lines = Buffer.from(Array.from({ length: 200 }, (_, i) => JSON.stringify({ ...listeningEvent('staged-hostile', i, now - 2 * HOUR_MS, HOUR_MS) })).join('\n') + '\n');
    const whole = gzipSync(lines);
    const cut = whole.subarray(0, Math.floor(whole.length / 2));
    const prefix = `staging/${world.topics.events}-elsewhere/hostile`;
    // A truncated gzip whose manifest describes it as it is (the checksum matches, gunzip fails)...
    await world.s3.send(new PutObjectCommand({ Bucket: world.buckets.staging, Key: `${prefix}/truncated.ndjson.gz`, Body: cut }));
    // ...and a torn object: the manifest describes the whole, S3 holds half of it.
    await world.s3.send(new PutObjectCommand({ Bucket: world.buckets.staging, Key: `${prefix}/torn.ndjson.gz`, Body: cut }));
    return [
      { name: 'a missing object', manifest: manifestOf(world.buckets.staging, `${prefix}/missing.ndjson.gz`, whole, 200, 0), etlCode: 'S3_NOT_FOUND', messageMatch: /missing\.ndjson\.gz/ },
      { name: 'an object in another bucket', manifest: manifestOf(`${world.prefix}-elsewhere`, `${prefix}/other.ndjson.gz`, whole, 200, 200), etlCode: 'RECORD_INVALID', messageMatch: /not in the staging bucket/ },
      { name: 'a truncated gzip', manifest: manifestOf(world.buckets.staging, `${prefix}/truncated.ndjson.gz`, cut, 200, 400), etlCode: 'CHECKSUM_MISMATCH', messageMatch: /gzip|truncated|unexpected end/i },
      { name: 'a torn object (checksum never matches)', manifest: { ...manifestOf(world.buckets.staging, `${prefix}/torn.ndjson.gz`, whole, 200, 600) }, etlCode: 'CHECKSUM_MISMATCH', messageMatch: /sha256|gzip/i },
    ];
  }

  it('lands every valid event once and accounts for every bad input with its reason, with no service down', async () => {
    const run = uniqueName('ev');
    const startMs = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 3 * HOUR_MS;
    const valid = (i: number) => listeningEvent(run, i, startMs, 2 * HOUR_MS);
    expect(listeningEventV1.safeParse(valid(0)).success).toBe(true);
    const hostile = hostileRecords(valid, run);

    const env = { KAFKA_MESSAGE_MAX_BYTES: String(MESSAGE_MAX_BYTES), SINK_MAX_RECORD_BYTES: String(MESSAGE_MAX_BYTES) };
    probes = new HealthProbes(world.ports);
    probes.start();
    const ready = (stage: StageName) => waitUntil(`${stage} ready`, () => probes!.samples.get(stage)!.at(-1)?.ready === true, 120_000, 250);
    world.start('catalog-sync', env);
    await ready('catalog-sync');
    world.start('etl-worker', { ...env, ETL_COMPACTION_INTERVAL_MS: '5000', ETL_COMPACTION_MIN_FILES: '2', ETL_ALLOWED_LATENESS_MS: '600000' });
    await ready('etl-worker');
    world.start('consumer-service', env);
    await ready('consumer-service');
    console.log(`[hostile] work dir ${world.work}, namespace ${world.namespace}`);

    // Valid events with a bad one after every ~90: the bad ones land in the middle of batches.
    feed = await EventFeed.open(world.kafka.settings, world.topics.events);
    const validDeliveries: Array<Promise<Delivered>> = [];
    const hostileDeliveries: Array<Promise<Delivered>> = [];
    const every = Math.floor(VALID_EVENTS / (hostile.length + 1));
    for (let i = 0; i < VALID_EVENTS; i++) {
      const event = valid(i);
      validDeliveries.push(feed.send({ key: event.user_id, value: Buffer.from(JSON.stringify(event)), timestamp: Date.parse(event.ts) }));
      const h = hostile[i / every - 1];
      if (i % every === 0 && h) hostileDeliveries.push(feed.send({ key: `hostile-${h.name}`, ...h.record }));
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 50));
    }
    await Promise.all(validDeliveries);
    const positions = await Promise.all(hostileDeliveries);
    expect(positions).toHaveLength(hostile.length);

    // Bad manifests, committed in one transaction (the stages read read_committed).
    const manifests = await hostileManifests();
    const txn = await TransactionalProducer.create(world.kafka.settings, { clientId: 'hostile-manifests', transactionalId: `${world.prefix}-hostile-manifests` });
    try {
      await txn.begin();
      for (const m of manifests) txn.produce({ topic: world.topics.staged, key: m.manifest.key, value: Buffer.from(JSON.stringify(m.manifest)) });
      await txn.commit();
    } finally {
      await txn.close();
    }

    // Every valid event (and the pretty-printed one) in the lake, then every stage drained.
    const expectedIds = [...Array.from({ length: VALID_EVENTS }, (_, i) => valid(i).event_id), ...hostile.flatMap((h) => ('lake' in h.outcome ? [h.outcome.lake] : []))].sort();
    const trino = world.trino();
    const totals = await waitUntil(
      `the lake to hold ${expectedIds.length} rows`,
      async () => {
        const t = await lakeTotals(trino);
        return t.rows >= expectedIds.length ? t : undefined;
      },
      120_000,
      3_000,
    );
    const lag = await waitUntil(
      'every stage to drain (lag 0)',
      async () => {
        const l = await pipelineLag(world);
        return Object.values(l).every((n) => n === 0) ? l : undefined;
      },
      180_000,
      2_000,
    );

    // Exactly once, as Trino reads the Iceberg table.
    expect(totals).toEqual({ rows: expectedIds.length, distinct: expectedIds.length });
    const ids = (await trino.query('SELECT event_id FROM listening_events')).rows.map((r) => String(r.event_id)).sort();
    expect(ids).toEqual(expectedIds);
    expect(lag).toEqual({ sink: 0, etl: 0, 'catalog(lake-files)': 0, 'catalog(staged-files)': 0 });

    // Every bad record, found by where it was produced.
    const dlq = await readTopic(world.kafka.settings, world.topics.dlq, PARTITIONS);
    const quarantine = await quarantinedLines(world.s3, world.buckets.lake);
    const at = (m: Message, p: Delivered) => header(m, 'source.topic') === world.topics.events && Number(header(m, 'source.partition')) === p.partition && Number(header(m, 'source.offset')) === p.offset;
    const found: Record<string, unknown> = {};
    const wanted: Record<string, unknown> = {};
    hostile.forEach((h, i) => {
      const p = positions[i]!;
      const letters = dlq.filter((m) => at(m, p));
      const lines = quarantine.filter((q) => q.source.topic === world.topics.events && q.source.partition === p.partition && q.source.offset === p.offset);
      found[h.name] = {
        dlq: letters.map((m) => ({ stage: header(m, 'failed.stage'), code: header(m, 'error.code') })),
        quarantine: lines.map((q) => q.reason),
      };
      if ('sinkDlq' in h.outcome) {
        wanted[h.name] = { dlq: [{ stage: 'sink', code: h.outcome.sinkDlq }], quarantine: [] };
        const letter = letters[0];
        if (letter && h.outcome.messageMatch) expect({ case: h.name, message: header(letter, 'error.message') }).toEqual({ case: h.name, message: expect.stringMatching(h.outcome.messageMatch) });
        // The original Kafka timestamp travels in a header; the letter's own is the time it was
        // written (a topic refuses 8.64e15, and a DLQ record that cannot be produced stops the sink).
        if (letter && h.record.timestamp !== undefined) {
          expect({ case: h.name, original: header(letter, 'source.timestamp'), recent: Math.abs(Number(letter.timestamp) - Date.now()) < HOUR_MS }).toEqual({ case: h.name, original: String(h.record.timestamp), recent: true });
        }
        if (letter && h.outcome.truncated) {
          const original = h.record.value!;
          expect({
            case: h.name,
            truncated: header(letter, 'value.truncated'),
            bytes: header(letter, 'value.original_bytes'),
            sha256: header(letter, 'value.original_sha256'),
            fits: letter.value!.length < MESSAGE_MAX_BYTES,
          }).toEqual({ case: h.name, truncated: 'true', bytes: String(original.length), sha256: createHash('sha256').update(original).digest('hex'), fits: true });
        } else if (letter) {
          // The original bytes, so a fixed consumer can replay them.
          expect({ case: h.name, value: letter.value?.toString('base64') ?? '' }).toEqual({ case: h.name, value: h.record.value?.toString('base64') ?? '' });
        }
      } else if ('quarantine' in h.outcome) {
        wanted[h.name] = { dlq: [{ stage: 'etl', code: h.outcome.etlCode }], quarantine: [h.outcome.quarantine] };
      } else {
        wanted[h.name] = { dlq: [], quarantine: [] };
      }
    });
    // Bad manifests: dead-lettered by the ETL with their own bytes and the reason.
    for (const m of manifests) {
      const bytes = Buffer.from(JSON.stringify(m.manifest));
      const letters = dlq.filter((l) => l.value?.equals(bytes));
      found[m.name] = letters.map((l) => ({ stage: header(l, 'failed.stage'), code: header(l, 'error.code'), source: header(l, 'source.topic'), reasonMatches: m.messageMatch.test(header(l, 'error.message') ?? '') }));
      wanted[m.name] = [{ stage: 'etl', code: m.etlCode, source: world.topics.staged, reasonMatches: true }];
    }
    console.log(`[hostile] outcomes:\n${Object.entries(found).map(([name, outcome]) => `  ${name}: ${JSON.stringify(outcome)}`).join('\n')}`);
    expect(found).toEqual(wanted);
    // Nothing else went to the DLQ or the quarantine: no valid event was thrown away.
    const accounted = Object.values(wanted).flatMap((w) => (Array.isArray(w) ? w : (w as { dlq: unknown[] }).dlq)).length;
    expect(dlq).toHaveLength(accounted);
    expect(quarantine).toHaveLength(hostile.filter((h) => 'quarantine' in h.outcome).length);

    // No service exited or restarted, and all are ready.
    for (const stage of STAGES) {
      const service = world.services[stage]!;
      const last = probes.samples.get(stage)!.at(-1);
      expect({ stage, running: service.running, starts: service.starts, ready: last?.ready }).toEqual({ stage, running: true, starts: 1, ready: true });
    }

    console.log(
      `[hostile] checked: ${expectedIds.length} valid events in the lake exactly once (Trino), ${hostile.length - 1} bad records, ` +
        `${manifests.length} bad staged manifests accounted for, lag 0, no service exited`,
    );
  }, 900_000);

  it('catalog-sync: a lake manifest naming another bucket or no manifest at all is dead-lettered; a replayed one, after compaction replaced its file, is not committed again', async () => {
    // Runs on the first test's pipeline, drained: every hour it wrote is closed and compacted.
    expect(world.services['catalog-sync']?.running).toBe(true);
    const trino = world.trino();
    const adds = (await readTopic(world.kafka.settings, world.topics.lake, PARTITIONS)).filter((m) => {
      const manifest = JSON.parse(m.value!.toString('utf8')) as { operation: string; table: string };
      return manifest.operation === 'add' && manifest.table === 'listening_events';
    });
    // An `add` whose file compaction has replaced: what an ETL replay (its group reset to reprocess
    // staged files, deterministic keys) announces again at a new offset.
    const compacted = await waitUntil(
      'compaction to replace a data file',
      async () => {
        const live = new Set((await trino.query('SELECT file_path FROM "listening_events$files"')).rows.map((r) => String(r.file_path)));
        return adds.find((m) => {
          const manifest = JSON.parse(m.value!.toString('utf8')) as { bucket: string; key: string };
          return !live.has(`s3://${manifest.bucket}/${manifest.key}`);
        });
      },
      120_000,
      2_000,
    );
    const before = await lakeTotals(trino);
    const replayed = compacted!.value!;
    const elsewhere = Buffer.from(JSON.stringify({ ...(JSON.parse(replayed.toString('utf8')) as object), bucket: `${world.prefix}-elsewhere` }));
    const garbage = Buffer.from('{"operation":"add","table":"listening_events"');
    const txn = await TransactionalProducer.create(world.kafka.settings, { clientId: 'hostile-lake-manifests', transactionalId: `${world.prefix}-hostile-lake-manifests` });
    try {
      await txn.begin();
      for (const value of [replayed, elsewhere, garbage]) txn.produce({ topic: world.topics.lake, key: compacted!.key ?? null, value });
      await txn.commit();
    } finally {
      await txn.close();
    }
    await waitUntil('catalog-sync to drain the hostile lake manifests', async () => (await pipelineLag(world))['catalog(lake-files)'] === 0, 120_000, 1_000);

    const letters = (await readTopic(world.kafka.settings, world.topics.dlq, PARTITIONS)).filter((m) => header(m, 'failed.stage') === 'catalog');
    const outcome = {
      replayed: letters.filter((m) => m.value?.equals(replayed)).map((m) => header(m, 'error.code')),
      elsewhere: letters.filter((m) => m.value?.equals(elsewhere)).map((m) => header(m, 'error.code')),
      garbage: letters.filter((m) => m.value?.equals(garbage)).map((m) => header(m, 'error.code')),
    };
    const after = await lakeTotals(trino);
    console.log(`[hostile] lake manifests: ${JSON.stringify(outcome)}; lake before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`);
    expect(outcome).toEqual({ replayed: [], elsewhere: ['RECORD_INVALID'], garbage: ['RECORD_NOT_JSON'] });
    for (const stage of STAGES) expect({ stage, running: world.services[stage]!.running, starts: world.services[stage]!.starts }).toEqual({ stage, running: true, starts: 1 });
    // Exactly once still: the replayed file's rows are already in the table (in the compacted file).
    expect(after).toEqual(before);
  }, 300_000);
});
