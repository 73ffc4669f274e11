import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { forEachLimited, StagingUploader, type StagedObject } from '../../../src/sink/staging-uploader';

const object: StagedObject = {
  bucket: 'staging',
  key: 'staging/t/dt=2024-01-01/hour=00/t+0+00000000000000000000+00000000000000000009.ndjson.gz',
  body: Buffer.from('gzip bytes'),
  sha256: 'b'.repeat(64),
  recordCount: 10,
  topic: 't',
  partition: 0,
  firstOffset: 0,
  lastOffset: 9,
};

function serverError(status: number, name: string): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

describe('StagingUploader', () => {
  const s3 = mockClient(S3Client);
  afterEach(() => s3.reset());

  it('puts the object with its record count, offsets and sha256 in metadata, retrying an unavailable S3', async () => {
    s3.on(PutObjectCommand).rejectsOnce(serverError(503, 'ServiceUnavailable')).rejectsOnce(serverError(500, 'InternalError')).resolves({});
    const retries: string[] = [];
    const uploader = new StagingUploader(
      new S3Client({ region: 'us-east-1' }),
      { bucket: 'staging', partBytes: 8 * 1024 * 1024, maxAttempts: 5, maxBackoffMs: 1, onRetry: (err) => retries.push(err.code) },
      createLogger({ service: 'test', level: 'silent' }),
    );
    await uploader.put(object);
    expect(retries).toEqual(['S3_THROTTLED', 'S3_UNAVAILABLE']);
    const put = s3.commandCalls(PutObjectCommand).at(-1)!.args[0].input;
    expect(put).toMatchObject({
      Bucket: 'staging',
      Key: object.key,
      Metadata: { 'record-count': '10', 'first-offset': '0', 'last-offset': '9', sha256: object.sha256, 'source-topic': 't', 'source-partition': '0' },
    });
  });

  it('does not retry a fatal error (access denied), and gives up after maxAttempts on a retriable one', async () => {
    const logger = createLogger({ service: 'test', level: 'silent' });
    s3.on(PutObjectCommand).rejects(serverError(403, 'AccessDenied'));
    const denied = new StagingUploader(new S3Client({ region: 'us-east-1' }), { bucket: 'staging', partBytes: 8 * 1024 * 1024, maxAttempts: 5, maxBackoffMs: 1 }, logger);
    await expect(denied.put(object)).rejects.toMatchObject({ code: 'S3_ACCESS_DENIED' });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);

    s3.reset();
    s3.on(PutObjectCommand).rejects(serverError(503, 'SlowDown'));
    const slow = new StagingUploader(new S3Client({ region: 'us-east-1' }), { bucket: 'staging', partBytes: 8 * 1024 * 1024, maxAttempts: 3, maxBackoffMs: 1 }, logger);
    await expect(slow.put(object)).rejects.toMatchObject({ code: 'S3_THROTTLED' });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(3);
  });
});

describe('forEachLimited', () => {
  it('never runs more than the limit at once, and runs every item', async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await forEachLimited([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running -= 1;
      done.push(n);
    });
    expect(peak).toBe(3);
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});
