import { startKafka, startS3 } from '@spotify-pipeline/testkit';
import { stagedObject } from '../fixtures/listening-events';
import { LakeHarness } from './lake-harness';

describe('etl-worker with a staging bucket that does not exist (real broker + S3Proxy)', () => {
  let harness: LakeHarness;

  beforeAll(async () => {
    harness = new LakeHarness(await startKafka(), await startS3());
    await harness.setUp();
  });
  afterAll(async () => {
    await harness.tearDown();
  });

  it('stops with S3_BUCKET_NOT_FOUND naming the bucket; dead-letters nothing, writes nothing', async () => {
    // A misnamed STORAGE_STAGING_BUCKET: the manifests name it too (the sink's setting), S3 has no such bucket.
    const missing = `${harness.names.stagingBucket}-gone`;
    const { manifest } = stagedObject({ bucket: missing, topic: harness.names.listeningEvents, partition: 0, firstOffset: 0, lines: ['{}'] });
    await harness.publish(harness.names.stagedFiles, [{ partition: 0, key: manifest.key, value: JSON.stringify(manifest) }]);

    const worker = await harness.startWorker({ STORAGE_STAGING_BUCKET: missing });
    const stopped = await Promise.race([
      worker.done!.then(() => 'completed', (err: unknown) => err),
      new Promise((resolve) => setTimeout(() => resolve('still running after 90 s'), 90_000).unref()),
    ]);
    expect(stopped).toMatchObject({ code: 'S3_BUCKET_NOT_FOUND', retriable: false });
    expect((stopped as Error).message).toContain(missing);

    // What must not happen: the manifest dead-lettered as "object missing", or anything announced.
    expect(await harness.dlqMessages()).toEqual([]);
    expect(await harness.lakeManifests()).toEqual([]);
  }, 150_000);
});
