import { classifyKafkaError } from '@spotify-pipeline/shared/kafka';
import { classifyS3Error } from '@spotify-pipeline/shared/s3';

describe('classifyS3Error', () => {
  const cases: Array<[string, object, string, boolean]> = [
    ['server down (no HTTP answer)', { name: 'Error', code: 'ECONNREFUSED' }, 'S3_UNAVAILABLE', true],
    ['5xx', { name: 'InternalError', $metadata: { httpStatusCode: 500 } }, 'S3_UNAVAILABLE', true],
    ['throttling', { name: 'SlowDown', $metadata: { httpStatusCode: 503 } }, 'S3_THROTTLED', true],
    ['wrong secret', { name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } }, 'S3_ACCESS_DENIED', false],
    ['missing bucket', { name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } }, 'S3_NOT_FOUND', false],
    ['bad request', { name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } }, 'S3_CLIENT_ERROR', false],
  ];
  it.each(cases)('%s', (_label, err, code, retriable) => {
    const classified = classifyS3Error(err, 'put object');
    expect(classified.code).toBe(code);
    expect(classified.retriable).toBe(retriable);
    expect(classified.cause).toBe(err);
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
