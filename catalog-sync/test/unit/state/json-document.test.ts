import { isFatal } from '@spotify-pipeline/shared/kafka';
import { JsonDocument } from '../../../src/state/json-document';

/** An S3 client whose every GetObject fails with `err`. */
const failingGets = (err: object) => ({ send: async () => Promise.reject(Object.assign(new Error('not found'), err)) });
const doc = (s3: object) => new JsonDocument<{ n: number }>(s3 as never, 'spotify-lake', '_catalog/sync-state.json', () => ({ n: 0 }), (raw) => raw as { n: number }, { maxAttempts: 1 });

describe('JsonDocument.read', () => {
  it('starts from the empty document when the key does not exist yet', async () => {
    await expect(doc(failingGets({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } })).read()).resolves.toEqual({ value: { n: 0 }, etag: undefined });
  });

  it('does not take a missing bucket for an empty document: fatal S3_BUCKET_NOT_FOUND naming the bucket', async () => {
    const err = await doc(failingGets({ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } })).read().then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'S3_BUCKET_NOT_FOUND', retriable: false });
    expect((err as Error).message).toContain('spotify-lake');
    expect(isFatal(err)).toBe(true);
  });
});
