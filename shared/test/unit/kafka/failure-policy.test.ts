import { PipelineError } from '@spotify-pipeline/shared/errors';
import { FailureStreak, isFatal, nextOffsets } from '@spotify-pipeline/shared/kafka';

describe('the consumer-loop kit', () => {
  it('nextOffsets: last + 1 of the highest offset per partition, whatever the order', () => {
    expect(nextOffsets([
      { topic: 'a', partition: 0, offset: 7 },
      { topic: 'a', partition: 1, offset: 3 },
      { topic: 'a', partition: 0, offset: 5 },
      { topic: 'b', partition: 0, offset: 0 },
    ])).toEqual([
      { topic: 'a', partition: 0, offset: 8 },
      { topic: 'a', partition: 1, offset: 4 },
      { topic: 'b', partition: 0, offset: 1 },
    ]);
  });

  it('isFatal: permissions, configuration and fencing end a loop; outages and bad input never do', () => {
    for (const code of ['CONFIG_INVALID', 'S3_ACCESS_DENIED', 'S3_BUCKET_NOT_FOUND', 'CATALOG_ACCESS_DENIED', 'KAFKA_FENCED'] as const) expect(isFatal(new PipelineError(code, 'x'))).toBe(true);
    // A missing object is one input's problem (dead-lettered); a full disk or DuckDB's memory limit is waited out.
    for (const code of ['S3_UNAVAILABLE', 'S3_THROTTLED', 'S3_NOT_FOUND', 'LOCAL_DISK_FULL', 'LOCAL_OUT_OF_MEMORY', 'LOCAL_IO_FAILED', 'CATALOG_UNAVAILABLE', 'CATALOG_CONFLICT', 'KAFKA_TRANSACTION_FAILED', 'RECORD_INVALID', 'INTERNAL'] as const) {
      expect(isFatal(new PipelineError(code, 'x'))).toBe(false);
    }
    expect(isFatal(new Error('unclassified'))).toBe(false);
  });

  it('FailureStreak: the backoff doubles with failures in a row, capped, and a success resets it', () => {
    const streak = new FailureStreak(100, 1_000, () => 1);
    expect([streak.failed(), streak.failed(), streak.failed(), streak.failed(), streak.failed()]).toEqual([100, 200, 400, 800, 1_000]);
    expect(streak.failures).toBe(5);
    streak.succeeded();
    expect([streak.failures, streak.failed()]).toEqual([0, 100]);
  });
});
