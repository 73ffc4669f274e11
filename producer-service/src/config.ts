import { z } from 'zod';
import { envBool, envEnum, envInt, envList, envString, httpSettingsSchema, loadConfig, logSettingsSchema, storageSettingsSchema, topicSettingsSchema, type Env } from '@spotify-pipeline/shared/config';
import { kafkaSettingsSchema } from '@spotify-pipeline/shared/kafka';
import { s3SettingsSchema } from '@spotify-pipeline/shared/s3';
import { parseQuirkRates, QUIRK_NAMES } from './simulator/export-realism.js';
import { DEFAULT_CATALOG_TRACKS } from './simulator/popularity-model.js';
import { DEFAULT_REPEAT_SHARE } from './simulator/rotation.js';

const envNumber = (describe: string) => z.coerce.number().describe(describe);

/** `PRODUCER_*`: what to produce and how fast. Every CLI option sets one of these (see cli/). */
export const producerSettingsSchema = z
  .strictObject({
    command: envEnum(['simulate', 'replay'] as const, 'simulate (generate listening events) or replay (real Spotify export files)').default('simulate'),
    rate: envInt('real-time simulation: mean events per second over a day (the daily cycle shapes it; 10,000 users sustain about 25), e.g. 20', 1).default(20),
    users: envInt('simulated users, e.g. 10000', 1).default(10_000),
    tracks: envInt('simulate: tracks of the virtual catalog, made when first played (the default holds all 42,400 artists of the popularity model), e.g. 890000', 100).default(DEFAULT_CATALOG_TRACKS),
    seed: envInt('seed of the simulation: the same seed (and start time) gives the same events').default(42),
    backfill: envBool('true to generate history as fast as the broker takes it instead of in real time').default(false),
    days: envInt('backfill: days of history to generate, e.g. 7', 1).default(1),
    startTime: z.iso.datetime({ offset: false }).optional().describe('backfill: UTC start of the history, e.g. 2024-01-01T00:00:00Z (default: `days` before the current hour)'),
    events: envInt('stop after exactly this many valid events, e.g. 20000', 1).optional(),
    sessionsPerUserPerDay: envNumber('backfill: mean listening sessions per user per day, e.g. 1.5').pipe(z.number().positive()).default(1.5),
    maxRate: envInt('cap on events per second for backfill and replay (0: as fast as the broker takes them)').default(0),
    malformedRatio: envNumber('share of deliberately malformed records in [0, 0.5], for DLQ tests; 0 in production').pipe(z.number().min(0).max(0.5)).default(0),
    summaryFile: envString('path of a JSON summary written after the run (totals, valid events per event hour)').optional(),
    generatorThread: envBool('simulate: generate and encode events in a worker thread, so the producing thread only produces').default(true),
    publishTracks: envBool('simulate: publish the catalog to the compacted tracks topic first').default(true),
    publishedTracks: envInt('simulate: how many of the most played tracks go to the tracks topic (the ETL holds them in memory), e.g. 50000').default(50_000),
    realism: envEnum(
      ['clean', 'export'] as const,
      'simulate: clean (what an ideal client logs) or export (the quirks of real Spotify exports: whole-second times, nulls and "", ZZ, audiobooks, overlapping offline syncs, odd offline_timestamp, period-correct skipped and platforms); default export for a backfill, clean in real time',
    ).optional(),
    exportQuirkRates: envString(
      `simulate, export realism: quirk rates as name=rate,… (${QUIRK_NAMES.join(', ')}); the others keep their defaults, e.g. unknown-country=0.01,offline-sync=0.5`,
    ).optional(),
    repeatShare: envNumber('simulate: share of a listener\'s music plays taken from their personal rotation (repeat listening), in [0, 1], e.g. 0.7')
      .pipe(z.number().min(0).max(1))
      .default(DEFAULT_REPEAT_SHARE),
    replayInputs: envList('replay: comma-separated export files, folders or zip files').optional(),
    replayUserId: envString('replay: user_id for every replayed record (default: a pseudonym of the export username)').optional(),
    replayFallbackUserId: envString('replay: user_id when the export has no username and none is given').default('spotify-export'),
    strict: envBool('replay: stop at the first bad record instead of counting and skipping it').default(false),
    rejectsFile: envString(
      'replay: NDJSON file every bad element is appended to with its file, index, reason and text (a prefix for oversized ones); default <summary file>.rejects.ndjson, else producer-rejects.ndjson in the working directory',
    ).optional(),
    replayMaxElementChars: envInt('replay: longest array element taken, in characters; a longer one is rejected as TOO_LARGE (export rows are under 2 KB)', 1_000).default(1_000_000),
    replayMaxDepth: envInt('replay: deepest nesting of an element; a deeper one is rejected as TOO_DEEP (export rows are flat objects)', 1).default(32),
    compression: envEnum(['zstd', 'lz4'] as const, 'zstd or lz4').default('zstd'),
    deliveryTimeoutMs: envInt('how long librdkafka retries a record (broker down) before it counts as failed, ms', 1_000).default(300_000),
    flushTimeoutMs: envInt('on stop, how long to wait for accepted records to be acknowledged, ms', 100).default(30_000),
    exactlyOnce: envBool('backfill and replay: produce in Kafka transactions with a checkpoint, so a killed run resumes without duplicates (false: idempotent only)').default(true),
    runId: envString('exactly-once: id of the run to resume (default: a hash of the command and its deterministic settings)').optional(),
    checkpointTopic: envString('exactly-once: compacted topic of run checkpoints, key = run id').default('pipeline.producer-checkpoints'),
    transactionRecords: envInt('exactly-once: commit a transaction after this many records, e.g. 20000', 1).default(20_000),
    transactionMs: envInt('exactly-once: commit a transaction after this many ms, e.g. 5000', 10).default(5_000),
    ensureTopics: envBool('create the listening-events and tracks topics when missing').default(true),
  })
  // With the rest of the config, so `PRODUCER_COMMAND=replay` alone exits 78 at start, not after connecting.
  .superRefine((s, ctx) => {
    if (s.command === 'replay' && !s.replayInputs) ctx.addIssue({ code: 'custom', path: ['replayInputs'], message: 'required when PRODUCER_COMMAND=replay' });
    try {
      parseQuirkRates(s.exportQuirkRates);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['exportQuirkRates'], message: (err as Error).message });
    }
  });

export type ProducerSettings = z.output<typeof producerSettingsSchema>;

/** producer-service configuration: every field from one env variable (see shared/config envName). */
export const configSchema = z.strictObject({
  kafka: kafkaSettingsSchema,
  s3: s3SettingsSchema,
  topics: topicSettingsSchema.prefault({}),
  storage: storageSettingsSchema.prefault({}),
  http: httpSettingsSchema.prefault({ port: '9461' }),
  log: logSettingsSchema.prefault({}),
  producer: producerSettingsSchema.prefault({}),
});

export type Config = z.output<typeof configSchema>;

export function readConfig(env: Env): Config {
  return loadConfig(configSchema, env);
}
