/**
 * The fault proxy itself, in front of the real S3 server: requests pass unchanged (SigV4 and the
 * Host header intact), and every fault reaches the AWS SDK — through the pipeline's own client
 * factory — as the error it would get from AWS or a broken network, classified the way the
 * services classify it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { classifyS3Error, createS3Client, ensureBucket } from '@spotify-pipeline/shared/s3';
import { S3FaultProxy, s3Request, startS3, uniqueName, type S3Endpoint } from '@spotify-pipeline/testkit';

const MIB = 1024 * 1024;

/** Runs an S3 call that must fail; returns the raw SDK error, how long it took, and the pipeline's classification. */
async function failure(call: () => Promise<unknown>, operation: string): Promise<{ err: { name?: string; code?: string; $metadata?: { httpStatusCode?: number; attempts?: number } }; ms: number; classified: PipelineError }> {
  const started = Date.now();
  try {
    await call();
  } catch (err) {
    return { err: err as never, ms: Date.now() - started, classified: classifyS3Error(err, operation) };
  }
  throw new Error(`${operation} succeeded, a failure was expected`);
}

/** Fails the test instead of hanging it: a call that never settles is the bug a blackhole looks for. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    }),
  ]);
}

describe('S3 fault proxy (in front of the real S3 server)', () => {
  let s3Endpoint: S3Endpoint;
  let proxy: S3FaultProxy;
  let direct: S3Client;
  const clients: S3Client[] = [];
  const bucket = uniqueName('faultproxy');

  /** The services' own S3 client, through the proxy: `maxAttempts` 1 shows each fault undisguised by SDK retries. */
  const client = (maxAttempts: number, timeouts: { requestTimeoutMs?: number; connectionTimeoutMs?: number } = {}): S3Client => {
    const c = createS3Client({ ...s3Endpoint.settings, endpoint: proxy.url, ...timeouts }, maxAttempts);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    s3Endpoint = await startS3();
    direct = createS3Client(s3Endpoint.settings);
    await ensureBucket(direct, bucket);
    proxy = await S3FaultProxy.start(s3Endpoint.settings.endpoint);
  });

  afterEach(() => proxy.clear());

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await proxy.close();
    const listed = await direct.send(new ListObjectsV2Command({ Bucket: bucket }));
    for (const object of listed.Contents ?? []) await direct.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key! }));
    direct.destroy();
  });

  it('forwards PUT and GET unchanged: signatures verify, bytes round-trip (single PUT, 100-continue PUT, multipart)', async () => {
    const s3 = client(1);
    const small = Buffer.from('{"hello":"proxy"}\n');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'small.json', Body: small }));
    // Over 1 MiB the SDK sends `Expect: 100-continue`: the proxy must pass the continue through.
    const large = randomBytes(2 * MIB);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'large.bin', Body: large }));
    // lib-storage's multipart path (CreateMultipartUpload, UploadPart ×2, Complete), as the sink uses it.
    const multi = randomBytes(11 * MIB);
    await new Upload({ client: s3, partSize: 5 * MIB, params: { Bucket: bucket, Key: 'multi.bin', Body: multi } }).done();

    for (const [key, body] of [['small.json', small], ['large.bin', large], ['multi.bin', multi]] as const) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const bytes = Buffer.from(await got.Body!.transformToByteArray());
      expect(sha(bytes)).toBe(sha(body));
      // And what the proxy wrote is what the server holds.
      const server = await direct.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      expect(sha(Buffer.from(await server.Body!.transformToByteArray()))).toBe(sha(body));
    }
    expect(proxy.stats.forwarded).toBeGreaterThanOrEqual(9);
  });

  it('adds latency to matching requests only', async () => {
    const s3 = client(1);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'latency.json', Body: '{}' }));
    const fault = proxy.delay(600, { match: s3Request({ method: 'HEAD' }) });
    let started = Date.now();
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'latency.json' }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(590);
    started = Date.now();
    await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'latency.json' }));
    expect(Date.now() - started).toBeLessThan(590);
    expect(fault.hits).toBe(1);
  });

  it('answers a burst of N requests with 503 SlowDown: the SDK sees SlowDown, the pipeline S3_THROTTLED (retriable), and retries through it', async () => {
    await client(1).send(new PutObjectCommand({ Bucket: bucket, Key: 'slow.json', Body: '{}' }));
    const burst = proxy.slowDown({ requests: 2 });
    for (let i = 0; i < 2; i++) {
      const { err, classified } = await failure(() => client(1).send(new GetObjectCommand({ Bucket: bucket, Key: 'slow.json' })), 'get slow.json');
      expect(err.name).toBe('SlowDown');
      expect(err.$metadata?.httpStatusCode).toBe(503);
      expect(classified.code).toBe('S3_THROTTLED');
      expect(classified.retriable).toBe(true);
    }
    expect(burst.active).toBe(false);
    // Lifted after N: the next request passes.
    await client(1).send(new GetObjectCommand({ Bucket: bucket, Key: 'slow.json' }));

    // With the services' default of 3 SDK attempts, a burst of 2 is absorbed by the SDK's own retries.
    proxy.slowDown({ requests: 2, match: s3Request({ method: 'PUT' }) });
    const put = await client(3).send(new PutObjectCommand({ Bucket: bucket, Key: 'slow-put.json', Body: '{"a":1}' }));
    expect(put.$metadata.attempts).toBe(3);
    expect(burst.hits).toBe(2);
  });

  it('answers 503 SlowDown for a time, then lets requests through again', async () => {
    await client(1).send(new PutObjectCommand({ Bucket: bucket, Key: 'timed.json', Body: '{}' }));
    const fault = proxy.slowDown({ forMs: 1_500 });
    const { err } = await failure(() => client(1).send(new HeadObjectCommand({ Bucket: bucket, Key: 'timed.json' })), 'head timed.json');
    // HEAD has no body: the SDK knows it only by its status.
    expect(err.$metadata?.httpStatusCode).toBe(503);
    await new Promise((r) => setTimeout(r, 1_600));
    expect(fault.active).toBe(false);
    await client(1).send(new HeadObjectCommand({ Bucket: bucket, Key: 'timed.json' }));
  });

  it('resets connections: before forwarding (ECONNRESET), mid-response (a torn body), after the upstream answered (a PUT that landed, its answer lost)', async () => {
    await client(1).send(new PutObjectCommand({ Bucket: bucket, Key: 'reset.bin', Body: randomBytes(256 * 1024) }));

    proxy.reset({ requests: 1 });
    const early = await failure(() => client(1).send(new GetObjectCommand({ Bucket: bucket, Key: 'reset.bin' })), 'get reset.bin');
    // The SDK wraps the socket error (`AWS SDK error wrapper for TimeoutError: read ECONNRESET`), with no HTTP status.
    expect(`${early.err.code ?? ''} ${(early.err as Error).message}`).toMatch(/ECONNRESET|socket hang up/i);
    expect(early.err.$metadata?.httpStatusCode).toBeUndefined();
    expect(early.classified.code).toBe('S3_UNAVAILABLE');
    expect(early.classified.retriable).toBe(true);

    // Headers arrive, then half the body and a reset: the failure surfaces while reading the stream.
    proxy.reset({ requests: 1, at: 'mid-response' });
    const got = await client(1).send(new GetObjectCommand({ Bucket: bucket, Key: 'reset.bin' }));
    const torn = await failure(() => got.Body!.transformToByteArray(), 'read reset.bin');
    expect(`${torn.err.code ?? ''} ${(torn.err as Error).message}`).toMatch(/ECONNRESET|aborted|terminated|socket/i);
    expect(torn.classified.retriable).toBe(true);

    proxy.reset({ requests: 1, at: 'after-upstream', match: s3Request({ method: 'PUT' }) });
    const lost = await failure(() => client(1).send(new PutObjectCommand({ Bucket: bucket, Key: 'landed.json', Body: '{"landed":true}' })), 'put landed.json');
    expect(lost.classified.code).toBe('S3_UNAVAILABLE');
    const landed = await direct.send(new GetObjectCommand({ Bucket: bucket, Key: 'landed.json' }));
    expect(await landed.Body!.transformToString()).toBe('{"landed":true}');
    expect(proxy.stats.resets).toBe(3);
  });

  it('answers 500 InternalError after the upstream applied the request (a write that landed, reported as failed)', async () => {
    proxy.internalError({ requests: 1, afterUpstream: true, match: s3Request({ bucket, keyPrefix: 'applied', method: 'PUT' }) });
    const { err, classified } = await failure(() => client(1).send(new PutObjectCommand({ Bucket: bucket, Key: 'applied.json', Body: '{"applied":true}' })), 'put applied.json');
    expect(err.name).toBe('InternalError');
    expect(err.$metadata?.httpStatusCode).toBe(500);
    expect(classified.code).toBe('S3_UNAVAILABLE');
    const applied = await direct.send(new GetObjectCommand({ Bucket: bucket, Key: 'applied.json' }));
    expect(await applied.Body!.transformToString()).toBe('{"applied":true}');
  });

  it('blackholes: requests are accepted and never answered; S3_REQUEST_TIMEOUT_MS turns the hang into a retriable timeout', async () => {
    await client(1).send(new PutObjectCommand({ Bucket: bucket, Key: 'hole.json', Body: '{}' }));
    const hole = proxy.blackhole({ match: s3Request({ method: 'GET' }) });
    // The services' client with a 1 s request timeout, one attempt: the GET must fail in about a
    // second, not hang (a hung GetObject stalled the ETL with the pod Ready, issue 14).
    const { err, ms, classified } = await within(
      15_000,
      'a GetObject into the blackhole with S3_REQUEST_TIMEOUT_MS=1000',
      failure(() => client(1, { requestTimeoutMs: 1_000 }).send(new GetObjectCommand({ Bucket: bucket, Key: 'hole.json' })), 'get hole.json'),
    );
    expect(err.name).toBe('TimeoutError');
    expect(classified.code).toBe('S3_UNAVAILABLE');
    expect(classified.retriable).toBe(true);
    expect(ms).toBeLessThan(5_000);
    expect(hole.hits).toBe(1);
    // Other requests pass meanwhile; once lifted, GETs pass too.
    await client(1).send(new HeadObjectCommand({ Bucket: bucket, Key: 'hole.json' }));
    hole.lift();
    await client(1).send(new GetObjectCommand({ Bucket: bucket, Key: 'hole.json' }));
    expect(proxy.stats.blackholed).toBe(1);
  });
});

function sha(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
