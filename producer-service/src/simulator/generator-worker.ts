/**
 * Worker-thread entry: generates and encodes batches for the producing thread, which then only
 * hands buffers to librdkafka. Flow control by credits: the worker sends a batch per credit, so at
 * most a few batches exist at once and a slow broker slows generation instead of piling up memory.
 * Imports nothing native (librdkafka is not worker-safe to load twice).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BatchGenerator, type GeneratorSpec } from './generator-spec.js';
import { transferList, type BatchMemory, type PlayBatch } from './play-batch.js';

export type GeneratorMessage = { type: 'batch'; batch: PlayBatch } | { type: 'end' } | { type: 'error'; message: string };
/** From the producing thread: credits for more batches, or the buffer of a batch it is done with. */
export type SourceMessage = { credit: number } | { recycle: BatchMemory };

/** Batch memory kept for reuse: one per batch that can be in flight is enough. */
const MAX_RECYCLED = 8;

const port = parentPort;
if (port) {
  let credits = 0;
  let generator: BatchGenerator | undefined;
  const recycled: BatchMemory[] = [];
  const pump = (): void => {
    try {
      generator ??= new BatchGenerator(workerData as GeneratorSpec);
      while (credits > 0) {
        const batch = generator.next(recycled.pop());
        if (!batch) {
          port.postMessage({ type: 'end' } satisfies GeneratorMessage);
          return;
        }
        credits--;
        port.postMessage({ type: 'batch', batch } satisfies GeneratorMessage, transferList(batch));
      }
    } catch (err) {
      port.postMessage({ type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) } satisfies GeneratorMessage);
    }
  };
  port.on('message', (message: SourceMessage) => {
    if ('recycle' in message) {
      if (recycled.length < MAX_RECYCLED) recycled.push(message.recycle);
      return;
    }
    credits += message.credit;
    pump();
  });
}
