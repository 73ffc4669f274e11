import { randomBytes, createHash } from 'node:crypto';
import {
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { startS3, uniqueName, type S3Endpoint } from '@spotify-pipeline/testkit';
import { classifyS3Error, createS3Client, ensureBucket } from '@spotify-pipeline/shared/s3';

async function listAll(s3: S3Client, bucket: string, prefix: string): Promise<{ keys: string[]; pages: number }> {
  const keys: string[] = [];
  let pages = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    pages += 1;
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return { keys, pages };
}

async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

describe('S3 primitives (real S3 server)', () => {
  let endpoint: S3Endpoint;
  let s3: S3Client;
  let bucket: string;

  beforeAll(async () => {
    endpoint = await startS3();
    s3 = createS3Client(endpoint.settings);
    bucket = uniqueName('s3test');
    await ensureBucket(s3, bucket);
    await ensureBucket(s3, bucket); // idempotent
  });

  afterAll(async () => {
    const { keys } = await listAll(s3, bucket, '');
    for (let i = 0; i < keys.length; i += 1000) {
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })) } }));
    }
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    s3.destroy();
  });

  it('puts, gets back byte for byte, and deletes an object', async () => {
    const body = randomBytes(64 * 1024);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'small/one.bin', Body: body, Metadata: { 'record-count': '42' } }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'small/one.bin' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    expect(got.Metadata?.['record-count']).toBe('42');
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'small/one.bin' }));
    await expect(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'small/one.bin' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('uploads 20 MB in several parts with lib-storage and reads back the same bytes', async () => {
    const body = randomBytes(20 * 1024 * 1024);
    const parts: number[] = [];
    const upload = new Upload({
      client: s3,
      params: { Bucket: bucket, Key: 'large/twenty.bin', Body: body },
      partSize: 5 * 1024 * 1024,
      queueSize: 2,
    });
    upload.on('httpUploadProgress', (p) => p.part !== undefined && parts.push(p.part));
    await upload.done();
    expect(new Set(parts).size).toBe(4);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'large/twenty.bin' }));
    const read = Buffer.from(await got.Body!.transformToByteArray());
    expect(read.length).toBe(body.length);
    expect(createHash('sha256').update(read).digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('lists more than 1,000 keys across pages', async () => {
    const keys = Array.from({ length: 1_050 }, (_, i) => `many/key-${String(i).padStart(5, '0')}`);
    await inParallel(keys, 16, async (Key) => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key }));
    });
    const listed = await listAll(s3, bucket, 'many/');
    expect(listed.pages).toBeGreaterThan(1);
    expect(listed.keys.sort()).toEqual(keys);
  });

  it('rejects a request signed with a wrong secret, classified as access denied', async () => {
    const wrong = createS3Client({ ...endpoint.settings, secretAccessKey: 'not-the-secret' }, 1);
    try {
      const err = await wrong.send(new PutObjectCommand({ Bucket: bucket, Key: 'forged', Body: 'x' })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeDefined();
      const classified = classifyS3Error(err, 'put forged');
      expect(classified.code).toBe('S3_ACCESS_DENIED');
      expect(classified.retriable).toBe(false);
      // And nothing was written.
      await expect(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'forged' }))).rejects.toMatchObject({
        $metadata: { httpStatusCode: 404 },
      });
    } finally {
      wrong.destroy();
    }
  });
});
