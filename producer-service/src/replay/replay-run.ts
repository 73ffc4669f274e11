import { PipelineError } from '@spotify-pipeline/shared/errors';
import { sleep } from '@spotify-pipeline/shared/retry';
import type { Logger } from 'pino';
import { encodeListeningEvent } from '../encoding/event-encoder.js';
import type { ProducerMetrics } from '../publish/producer-metrics.js';
import type { RateLimiter } from '../publish/rate-limiter.js';
import type { RecordSink, RunCheckpoints } from '../publish/record-sink.js';
import type { RunSummary } from '../publish/run-summary.js';
import { exportFiles } from './export-files.js';
import { readElements } from './export-reader.js';
import { JsonArrayShapeError } from './json-array-splitter.js';
import { mapSourceRecord, type BadRecordReason, type MapperOptions } from './record-mapper.js';
import type { ReplayProgress } from './replay-progress.js';

export interface ReplayOptions extends MapperOptions {
  topic: string;
  inputs: readonly string[];
  /** Stop at the first bad record instead of counting it and going on. */
  strict: boolean;
  signal: AbortSignal;
}

export interface ReplayDeps {
  publisher: RecordSink;
  /** Exactly-once runs: skip elements an earlier process committed, commit transactions as due. */
  checkpoints?: RunCheckpoints;
  summary: RunSummary;
  metrics: ProducerMetrics;
  progress: ReplayProgress;
  limiter?: RateLimiter;
  logger: Logger;
}

/** Bad records logged one by one up to this many; past it only counted (a broken file has thousands). */
const BAD_RECORD_LOG_LIMIT = 50;

/**
 * The replay loop: export files → elements → ListeningEvent → produce (key user_id, Kafka timestamp
 * = ts). A record that cannot be mapped is reported with file, index and reason and counted; with
 * `strict` it stops the replay with RECORD_INVALID instead.
 */
export async function runReplay(deps: ReplayDeps, options: ReplayOptions): Promise<void> {
  const { publisher, summary, metrics, progress, limiter, logger, checkpoints } = deps;
  const { topic, signal } = options;
  let badTotal = 0;
  const bad = (file: string, index: number, reason: BadRecordReason, detail: string): void => {
    badTotal++;
    summary.addBadRecord(reason);
    metrics.replayBadRecords.inc({ reason });
    if (options.strict) throw new PipelineError('RECORD_INVALID', `${file}[${index}]: ${reason}: ${detail}`, { details: { file, index, reason } });
    if (badTotal <= BAD_RECORD_LOG_LIMIT) logger.warn({ file, index, reason, detail }, 'ReplayRecordSkipped');
  };
  for await (const file of exportFiles(options.inputs)) {
    if (signal.aborted) break;
    progress.startFile(file.name, file.size);
    logger.info({ file: file.name, bytes: file.size }, 'ReplayFileStarted');
    let lastIndex = -1;
    try {
      for await (const element of readElements(await file.open(), (bytes) => progress.addBytes(bytes))) {
        lastIndex = element.index;
        // The checkpoint's position counts elements, bad ones included, so their counts are not redone.
        if (checkpoints?.skip()) continue;
        const mapped = mapSourceRecord(element.text, options);
        if (!mapped.ok) {
          bad(file.name, element.index, mapped.reason, mapped.detail);
          if (checkpoints?.handled()) await checkpoints.commit();
          continue;
        }
        const event = mapped.event;
        const value = Buffer.from(encodeListeningEvent(event));
        if (!(await publisher.offer(topic, event.user_id, value, mapped.eventTimeMs, signal))) break;
        summary.addValid(mapped.eventTimeMs, false);
        if (limiter) {
          const waitMs = limiter.reserve(1);
          if (waitMs >= 5) await sleep(waitMs, signal).catch(() => undefined);
        }
        progress.update(summary.valid, badTotal);
        if (checkpoints?.handled()) await checkpoints.commit();
        if (signal.aborted) break;
      }
    } catch (err) {
      if (!(err instanceof JsonArrayShapeError)) throw err;
      // A truncated file is one unit of the stream too: a resumed run must not count it twice.
      if (!checkpoints?.skip()) {
        bad(file.name, lastIndex + 1, 'TRUNCATED_FILE', err.message);
        if (checkpoints?.handled()) await checkpoints.commit();
      }
    }
    logger.info({ file: file.name, records: lastIndex + 1 }, 'ReplayFileCompleted');
  }
  progress.finish(summary.valid, badTotal);
}
