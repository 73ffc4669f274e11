import { PipelineError } from '@spotify-pipeline/shared/errors';
import { backoffDelayMs, retry } from '@spotify-pipeline/shared/retry';

const noSleep = async (): Promise<void> => undefined;

describe('retry', () => {
  it('retries retriable errors until success, with growing capped delays', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await retry(
      async () => {
        calls += 1;
        if (calls < 4) throw new PipelineError('S3_UNAVAILABLE', 'down', { retriable: true });
        return 'ok';
      },
      { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 250, random: () => 1, sleep: noSleep, onRetry: (_e, _a, d) => void delays.push(d) },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(4);
    expect(delays).toEqual([100, 200, 250]);
  });

  it('does not retry a non-retriable error and rethrows it unchanged', async () => {
    const fatal = new PipelineError('S3_ACCESS_DENIED', 'denied', { retriable: false });
    let calls = 0;
    await expect(retry(async () => {
      calls += 1;
      throw fatal;
    }, { sleep: noSleep })).rejects.toBe(fatal);
    expect(calls).toBe(1);
  });

  it('gives up after maxAttempts: never retries forever', async () => {
    let calls = 0;
    await expect(
      retry(async () => {
        calls += 1;
        throw new PipelineError('KAFKA_UNAVAILABLE', 'down', { retriable: true });
      }, { maxAttempts: 3, sleep: noSleep }),
    ).rejects.toMatchObject({ code: 'KAFKA_UNAVAILABLE' });
    expect(calls).toBe(3);
  });

  it('stops waiting when the signal aborts', async () => {
    const controller = new AbortController();
    const pending = retry(async () => {
      throw new PipelineError('S3_UNAVAILABLE', 'down', { retriable: true });
    }, { maxAttempts: 10, baseDelayMs: 60_000, maxDelayMs: 60_000, random: () => 1, signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expect(pending).rejects.toMatchObject({ code: 'SHUTDOWN' });
  });

  it('uses full jitter: delays spread between 0 and the exponential ceiling', () => {
    expect(backoffDelayMs(3, 100, 10_000, () => 0)).toBe(0);
    expect(backoffDelayMs(3, 100, 10_000, () => 0.5)).toBe(200);
    expect(backoffDelayMs(20, 100, 10_000, () => 1)).toBe(10_000);
  });
});
