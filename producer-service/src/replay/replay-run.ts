import { PipelineError } from '@spotify-pipeline/shared/errors';
import { sleep } from '@spotify-pipeline/shared/retry';
import type { Logger } from 'pino';
import { encodeListeningEvent } from '../encoding/event-encoder.js';
import { oversizedRecordBytes } from '../publish/message-size.js';
import type { ProducerMetrics } from '../publish/producer-metrics.js';
import type { RateLimiter } from '../publish/rate-limiter.js';
import type { RecordSink, RunCheckpoints } from '../publish/record-sink.js';
import type { RunSummary } from '../publish/run-summary.js';
import { exportFiles } from './export-files.js';
import { readElements } from './export-reader.js';
import { JsonArrayShapeError, type SplitterLimits } from './json-array-splitter.js';
import { mapSourceRecord, type BadRecordReason, type MapperOptions } from './record-mapper.js';
import type { RejectsFile } from './rejects-file.js';
import type { ReplayProgress } from './replay-progress.js';

export interface ReplayOptions extends MapperOptions {
  topic: string;
  inputs: readonly string[];
  /** Stop at the first bad record instead of counting it and going on. */
  strict: boolean;
  signal: AbortSignal;
  /** Caps on one array element (size, nesting). */
  limits?: SplitterLimits;
  /** The pipeline's message limit (KAFKA_MESSAGE_MAX_BYTES, default librdkafka's 1,000,000): an event over it is rejected, not produced. */
  messageMaxBytes?: number;
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
  /** Every bad element, with its reason: nothing a replay skips is lost. */
  rejects: RejectsFile;
}

/** Bad records logged one by one up to this many; past it only counted (a broken file has thousands). */
const BAD_RECORD_LOG_LIMIT = 50;

const PROBLEM_DETAIL = {
  TOO_LARGE: (length: number) => `element of ${length} characters is over the replay cap (PRODUCER_REPLAY_MAX_ELEMENT_CHARS)`,
  TOO_DEEP: () => 'element nested deeper than the replay cap (PRODUCER_REPLAY_MAX_DEPTH)',
  INVALID_UTF8: () => 'element holds bytes that are not UTF-8',
} as const;

/**
 * The replay loop: export files → elements → ListeningEvent → produce (key user_id, Kafka timestamp
 * = ts). A record that cannot be mapped, an element over a cap, an event over the message limit and
 * the unreadable rest of a file are each reported with file, index and reason, counted and appended
 * to the rejects file, and the run goes on; with `strict` the first one stops the replay with
 * RECORD_INVALID instead.
 */
export async function runReplay(deps: ReplayDeps, options: ReplayOptions): Promise<void> {
  const { publisher, summary, metrics, progress, limiter, logger, checkpoints, rejects } = deps;
  const { topic, signal } = options;
  const messageMaxBytes = options.messageMaxBytes ?? 1_000_000;
  let badTotal = 0;
  /** Set when `strict` stops the run: that error is not a file's read error. */
  let stopping = false;
  const bad = async (file: string, index: number, reason: BadRecordReason, detail: string, text?: string): Promise<void> => {
    badTotal++;
    summary.addBadRecord(reason);
    metrics.replayBadRecords.inc({ reason });
    await rejects.add({ file, index, reason, detail, text });
    if (options.strict) {
      stopping = true;
      throw new PipelineError('RECORD_INVALID', `${file}[${index}]: ${reason}: ${detail}`, { details: { file, index, reason } });
    }
    if (badTotal <= BAD_RECORD_LOG_LIMIT) logger.warn({ file, index, reason, detail, rejectsFile: rejects.path }, 'ReplayRecordSkipped');
  };
  /** A bad element is one unit of the stream, like a produced one: its count commits with the transaction. */
  const rejectElement = async (file: string, index: number, reason: BadRecordReason, detail: string, text: string): Promise<void> => {
    await bad(file, index, reason, detail, text);
    if (checkpoints?.handled()) await checkpoints.commit();
  };
  try {
    for await (const file of exportFiles(options.inputs)) {
      if (signal.aborted) break;
      progress.startFile(file.name, file.size);
      logger.info({ file: file.name, bytes: file.size }, 'ReplayFileStarted');
      let lastIndex = -1;
      try {
        for await (const element of readElements(await file.open(), (bytes) => progress.addBytes(bytes), options.limits)) {
          lastIndex = element.index;
          // The checkpoint's position counts elements, bad ones included, so their counts are not redone.
          if (checkpoints?.skip()) continue;
          const mapped = element.problem
            ? ({ ok: false, reason: element.problem, detail: PROBLEM_DETAIL[element.problem](element.length) } as const)
            : mapSourceRecord(element.text, options);
          if (!mapped.ok) {
            await rejectElement(file.name, element.index, mapped.reason, mapped.detail, element.text);
            continue;
          }
          const event = mapped.event;
          const value = Buffer.from(encodeListeningEvent(event));
          // The element cap counts characters, the limit bytes: multi-byte text under the cap can make
          // an event librdkafka refuses, which stopped the run at the same element on every resume
          // (and, exactly-once, failed the transaction). Refused here, it is one more bad element.
          const oversized = oversizedRecordBytes(event.user_id, value, messageMaxBytes);
          if (oversized !== undefined) {
            const detail = `event of ${oversized} bytes with its key and framing is over the message limit (KAFKA_MESSAGE_MAX_BYTES, ${messageMaxBytes})`;
            await rejectElement(file.name, element.index, 'EVENT_TOO_LARGE', detail, element.text);
            continue;
          }
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
        if (stopping) throw err;
        // A file that ends early or cannot be read on (a corrupt zip entry, a read error) is one unit
        // of the stream too: reported once with where it stopped, and a resumed run must not count it twice.
        const reason: BadRecordReason = err instanceof JsonArrayShapeError ? 'TRUNCATED_FILE' : 'UNREADABLE_FILE';
        if (reason === 'UNREADABLE_FILE' && !isReadError(err)) throw err;
        if (!checkpoints?.skip()) {
          await bad(file.name, lastIndex + 1, reason, (err as Error).message);
          if (checkpoints?.handled()) await checkpoints.commit();
        }
      }
      logger.info({ file: file.name, records: lastIndex + 1 }, 'ReplayFileCompleted');
    }
  } finally {
    await rejects.close();
  }
  if (rejects.count > 0) logger.warn({ rejects: rejects.count, rejectsFile: rejects.path }, 'ReplayRejectsWritten');
  progress.finish(summary.valid, badTotal);
}

/**
 * Errors of reading a file's bytes (zip inflate and CRC errors, fs read errors), as opposed to
 * errors of producing (broker, transactions) that must stop the run.
 */
function isReadError(err: unknown): boolean {
  // A zip entry that cannot be opened (export-files.ts zipError); other pipeline errors are the broker's.
  if (err instanceof PipelineError) return err.code === 'RECORD_INVALID';
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && (code.startsWith('Z_') || code === 'EIO' || code === 'EISDIR' || code === 'ENOENT' || code === 'EACCES')) return true;
  const message = err instanceof Error ? err.message : '';
  return /invalid (stored block|distance|code|block type)|incorrect header|unexpected end of file|crc32|too many length|invalid relative offset|bytes in the stream|zip/i.test(message);
}
