import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const SERVICES = ['producer-service', 'consumer-service', 'etl-worker', 'catalog-sync'];
const EX_CONFIG = 78;

describe.each(SERVICES)('%s with a bad configuration', (service) => {
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, [join(ROOT, service, 'dist', 'main.js')], {
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('exits before connecting, with one line naming the missing variable', () => {
    const result = run({});
    expect(result.status).toBe(EX_CONFIG);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('KAFKA_BROKERS is required');
    expect(result.stdout).toBe('');
  });

  it('names a wrong value and the fix', () => {
    const result = run({ KAFKA_BROKERS: 'localhost:9092', S3_FORCE_PATH_STYLE: 'maybe' });
    expect(result.status).toBe(EX_CONFIG);
    expect(result.stderr).toContain('S3_FORCE_PATH_STYLE="maybe" is invalid');
    expect(result.stderr).toContain('Fix: set S3_FORCE_PATH_STYLE');
  });
});
