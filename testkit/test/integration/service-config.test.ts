import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const SERVICES = ['producer-service', 'consumer-service', 'etl-worker', 'catalog-sync', 'insights-service'];
const EX_CONFIG = 78;

describe.each(SERVICES)('%s with a bad configuration', (service) => {
  const run = (env: Record<string, string>, args: string[] = []) =>
    spawnSync(process.execPath, [join(ROOT, service, 'dist', 'main.js'), ...args], {
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

  it('answers --help with every variable on stdout and exits 0, reading no configuration', () => {
    const result = run({ S3_FORCE_PATH_STYLE: 'maybe' }, ['--help']);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('  KAFKA_BROKERS  list; required\n');
    expect(result.stdout).toContain('  S3_FORCE_PATH_STYLE  boolean; default false\n');
  });
});
