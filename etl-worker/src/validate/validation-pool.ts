import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { listeningEventCanonicalForm } from '@spotify-pipeline/shared/schemas';
import type { LineChecker, LineSummary } from './event-validator.js';

interface Pending {
  resolve(verdicts: LineSummary[]): void;
  reject(err: unknown): void;
}

/** The compiled worker entry next to this file (dist/validate/validation-worker.js). */
export const VALIDATION_WORKER_PATH = join(__dirname, 'validation-worker.js');

/**
 * JSON.parse + validation is the worker's main-thread cost (about 3 µs a line); worker threads
 * take it off the thread that streams, de-duplicates and buckets, so it also overlaps DuckDB.
 * Batches go round-robin; answers carry their id, and the caller applies them in input order.
 */
export class ValidationPool implements LineChecker {
  /** The workers run EventValidator: the same canonical form. */
  readonly canonicalForm = listeningEventCanonicalForm();
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure?: PipelineError;

  constructor(size: number, workerPath = VALIDATION_WORKER_PATH) {
    if (!existsSync(workerPath)) throw new PipelineError('INTERNAL', `validation worker ${workerPath} is missing (build etl-worker first)`);
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(workerPath);
      worker.on('message', (answer: { id: number; verdicts: LineSummary[] }) => {
        this.pending.get(answer.id)?.resolve(answer.verdicts);
        this.pending.delete(answer.id);
      });
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`validation worker exited with code ${code}`));
      });
      return worker;
    });
  }

  checkLines(lines: string[]): Promise<LineSummary[]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<LineSummary[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[id % this.workers.length]!.postMessage({ id, lines });
    });
  }

  async close(): Promise<void> {
    this.fail(new PipelineError('SHUTDOWN', 'validation pool closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** A dead worker fails every batch in flight: the round is retried, never half-validated. */
  private fail(err: unknown): void {
    this.failure ??= err instanceof PipelineError ? err : new PipelineError('INTERNAL', `validation worker failed: ${String(err)}`, { cause: err });
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}
