import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import type { SimulatedWorld } from './listening-simulator.js';
import { BatchGenerator, type GeneratorSpec } from './generator-spec.js';
import type { GeneratorMessage, SourceMessage } from './generator-worker.js';
import { batchMemory, transferList, type BatchMemory, type PlayBatch } from './play-batch.js';

/** Where the simulate loop gets its encoded records from. */
export interface PlaySource {
  /** 'thread' when a worker generates; 'inline' when this thread does. */
  readonly mode: 'thread' | 'inline';
  /** The keys batches refer to by number: record i of a batch has key `keys[batch.keyIds[i]]`. */
  readonly keys: readonly string[];
  /** The next batch, or undefined when the simulation is over. */
  next(): Promise<PlayBatch | undefined>;
  /** Every record of `batch` was handed to the producer (which copies it): its buffer may be reused. */
  release(batch: PlayBatch): void;
  close(): Promise<void>;
}

/** Batches the worker may have ready ahead of the producer: bounds memory, keeps both busy. */
const CREDITS = 4;

/** Generation in this thread: tests from sources, and the fallback when no worker script exists. */
export class InlinePlaySource implements PlaySource {
  readonly mode = 'inline' as const;
  private readonly generator: BatchGenerator;
  private recycled: BatchMemory | undefined;

  constructor(spec: GeneratorSpec, world?: SimulatedWorld) {
    this.generator = new BatchGenerator(spec, world);
  }

  get keys(): readonly string[] {
    return this.generator.keys;
  }

  async next(): Promise<PlayBatch | undefined> {
    const recycled = this.recycled;
    this.recycled = undefined;
    return this.generator.next(recycled);
  }

  release(batch: PlayBatch): void {
    this.recycled = batchMemory(batch);
  }

  async close(): Promise<void> {}
}

/**
 * Generation in a worker thread: the producing thread then only hands buffers to librdkafka, and
 * generation runs on the other core. Same seed, same spec, same batches as inline.
 */
export class WorkerPlaySource implements PlaySource {
  readonly mode = 'thread' as const;
  readonly keys: string[] = [];
  private readonly worker: Worker;
  private readonly ready: PlayBatch[] = [];
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(script: string, spec: GeneratorSpec) {
    this.worker = new Worker(script, { workerData: spec });
    this.worker.on('message', (message: GeneratorMessage) => {
      if (message.type === 'batch') {
        // Batches arrive in order, so the key numbering grows in step with the worker's.
        for (const key of message.batch.newKeys) this.keys.push(key);
        this.ready.push(message.batch);
      } else if (message.type === 'end') this.ended = true;
      else this.failure = new PipelineError('INTERNAL', `simulation worker failed: ${message.message}`);
      this.notify();
    });
    this.worker.on('error', (err) => {
      this.failure = new PipelineError('INTERNAL', `simulation worker crashed: ${err.message}`, { cause: err });
      this.notify();
    });
    this.worker.on('exit', () => {
      this.ended = true;
      this.notify();
    });
    this.send({ credit: CREDITS });
  }

  async next(): Promise<PlayBatch | undefined> {
    for (;;) {
      if (this.failure) throw this.failure;
      const batch = this.ready.shift();
      if (batch) {
        this.send({ credit: 1 });
        return batch;
      }
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  release(batch: PlayBatch): void {
    this.send({ recycle: batchMemory(batch) }, transferList(batch));
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private send(message: SourceMessage, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/**
 * A worker when the compiled worker script is next to this file (the service runs from dist/),
 * otherwise inline (tests and tsx run from TypeScript sources, which a worker cannot load as is).
 */
export function createPlaySource(spec: GeneratorSpec, options: { thread: boolean; world?: SimulatedWorld }): PlaySource {
  const script = join(__dirname, 'generator-worker.js');
  if (options.thread && existsSync(script)) return new WorkerPlaySource(script, spec);
  return new InlinePlaySource(spec, options.world);
}
