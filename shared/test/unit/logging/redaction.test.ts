import { Writable } from 'node:stream';
import { createLogger } from '@spotify-pipeline/shared/logging';

function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('redacts secrets wherever config objects are logged', () => {
    const out = capture();
    const logger = createLogger({ service: 'test' }, out.stream);
    logger.info(
      {
        kafka: { brokers: ['b:9092'], saslPassword: 'kafka-secret' },
        s3: { accessKeyId: 'AKIA', secretAccessKey: 's3-secret' },
        'sasl.password': 'raw-secret',
      },
      'ConfigLoaded',
    );
    const text = JSON.stringify(out.lines());
    expect(text).not.toContain('kafka-secret');
    expect(text).not.toContain('s3-secret');
    expect(text).not.toContain('raw-secret');
    expect(text).toContain('b:9092');
    expect(out.lines()[0]).toMatchObject({ level: 'info', service: 'test', msg: 'ConfigLoaded' });
  });
});
