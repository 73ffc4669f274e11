import { isRetriable, PipelineError } from '../errors/index.js';

export interface RetryOptions {
  /** Total attempts including the first; never infinite. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  signal?: AbortSignal;
  /** Defaults to the PipelineError `retriable` flag. */
  shouldRetry?: (err: unknown, attempt: number) => boolean;
  /** Awaited before the backoff: a caller may put things back (e.g. rewind a consumer) before the retry. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void | Promise<void>;
  /** Injected for tests; defaults to Math.random. */
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const DEFAULT_RETRY: RetryOptions = { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 10_000 };

/** Full-jitter exponential backoff (AWS architecture blog): spreads retries of many clients apart. */
export function backoffDelayMs(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.round(random() * ceiling);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortError(signal: AbortSignal): PipelineError {
  return new PipelineError('SHUTDOWN', 'operation aborted', { cause: signal.reason });
}

/**
 * Runs `fn` until it succeeds, the error is not retriable, attempts run out, or the signal aborts.
 * The last error is rethrown unchanged so callers keep its code.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: Partial<RetryOptions> = {}): Promise<T> {
  const opts: RetryOptions = { ...DEFAULT_RETRY, ...options };
  const shouldRetry = opts.shouldRetry ?? ((err: unknown) => isRetriable(err));
  const random = opts.random ?? Math.random;
  const wait = opts.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= opts.maxAttempts || !shouldRetry(err, attempt) || opts.signal?.aborted) throw err;
      const delayMs = backoffDelayMs(attempt, opts.baseDelayMs, opts.maxDelayMs, random);
      await opts.onRetry?.(err, attempt, delayMs);
      await wait(delayMs, opts.signal);
    }
  }
}
