import { classifyKafkaError } from '@spotify-pipeline/shared/kafka';
import { classifyS3Error, ensureBucket } from '@spotify-pipeline/shared/s3';

describe('classifyS3Error', () => {
  const cases: Array<[string, object, string, boolean]> = [
    ['server down (no HTTP answer)', { name: 'Error', code: 'ECONNREFUSED' }, 'S3_UNAVAILABLE', true],
    ['5xx', { name: 'InternalError', $metadata: { httpStatusCode: 500 } }, 'S3_UNAVAILABLE', true],
    ['throttling', { name: 'SlowDown', $metadata: { httpStatusCode: 503 } }, 'S3_THROTTLED', true],
    ['wrong secret', { name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } }, 'S3_ACCESS_DENIED', false],
    ['missing bucket', { name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } }, 'S3_BUCKET_NOT_FOUND', false],
    ['missing key', { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }, 'S3_NOT_FOUND', false],
    ['HEAD of a missing key or bucket (no body, no name)', { name: 'NotFound', $metadata: { httpStatusCode: 404 } }, 'S3_NOT_FOUND', false],
    ['bad request', { name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } }, 'S3_CLIENT_ERROR', false],
  ];
  it.each(cases)('%s', (_label, err, code, retriable) => {
    const classified = classifyS3Error(err, 'put object');
    expect(classified.code).toBe(code);
    expect(classified.retriable).toBe(retriable);
    expect(classified.cause).toBe(err);
  });
});

describe('classifyS3Error: a missing bucket', () => {
  it('is its own code, naming the bucket (from the SDK error, else the caller) and the setting to fix, never S3_NOT_FOUND', () => {
    const fromSdk = classifyS3Error({ name: 'NoSuchBucket', BucketName: 'spotify-stagin', message: 'The specified bucket does not exist', $metadata: { httpStatusCode: 404 } }, 'get staged object k');
    const fromCaller = classifyS3Error({ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } }, 'put lake object k', 'spotify-lake');
    expect(fromSdk.message).toBe(
      'get staged object k failed: S3 bucket spotify-stagin does not exist (NoSuchBucket): create it, or correct the setting that names it (STORAGE_STAGING_BUCKET or STORAGE_LAKE_BUCKET)',
    );
    expect(fromSdk.details.bucket).toBe('spotify-stagin');
    expect(fromCaller.message).toContain('S3 bucket spotify-lake does not exist');
    for (const err of [fromSdk, fromCaller]) expect(err.code).not.toBe('S3_NOT_FOUND');
  });
});

describe('ensureBucket', () => {
  it('creates a bucket a HEAD reports missing, whichever way the server names it; other failures go up', async () => {
    for (const name of ['NotFound', 'NoSuchBucket']) {
      const sent: string[] = [];
      const s3 = {
        send: async (command: object) => {
          sent.push(command.constructor.name);
          if (sent.length === 1) throw Object.assign(new Error('missing'), { name, $metadata: { httpStatusCode: 404 } });
          return {};
        },
      };
      await ensureBucket(s3 as never, 'b');
      expect(sent).toEqual(['HeadBucketCommand', 'CreateBucketCommand']);
    }
    const denied = { send: async () => Promise.reject(Object.assign(new Error('no'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })) };
    await expect(ensureBucket(denied as never, 'b')).rejects.toMatchObject({ code: 'S3_ACCESS_DENIED' });
  });
});

describe('classifyKafkaError', () => {
  it('treats a fenced producer as fatal for that client', () => {
    const err = classifyKafkaError({ message: 'fenced', code: -144, errno: -144, origin: 'kafka' }, 'commit');
    expect(err.code).toBe('KAFKA_FENCED');
    expect(err.retriable).toBe(false);
  });
  it('treats a stale group generation as not retriable: the batch must be abandoned', () => {
    const err = classifyKafkaError({ message: 'gen', code: 22, errno: 22, origin: 'kafka' }, 'sendOffsets');
    expect(err.code).toBe('KAFKA_TRANSACTION_FAILED');
    expect(err.retriable).toBe(false);
    expect(err.details.rebalanced).toBe(true);
  });
  it('treats an abortable transaction error as retriable after abort', () => {
    const err = classifyKafkaError({ message: 'abort', code: -1, errno: -1, origin: 'kafka', isTxnRequiresAbort: true }, 'commit');
    expect(err.code).toBe('KAFKA_TRANSACTION_FAILED');
    expect(err.retriable).toBe(true);
  });
  it('treats a transport error as retriable unavailability', () => {
    const err = classifyKafkaError({ message: 'down', code: -195, errno: -195, origin: 'kafka', isRetriable: true }, 'produce');
    expect(err.code).toBe('KAFKA_UNAVAILABLE');
    expect(err.retriable).toBe(true);
  });
});
