import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startS3, waitUntil } from '@spotify-pipeline/testkit';
import { readRecord } from '../../src/local/state';
import { isAlive, portOpen } from '../../src/local/processes';

// These tests start their own S3Proxy (the cheapest local process) in a private state dir: the
// start-or-reuse logic is the same for Kafka.
const localOnly = { TESTKIT_MODE: 'local' } as NodeJS.ProcessEnv;

describe('testkit local stack lifecycle', () => {
  let stateDir: string;

  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'testkit-'));
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  it('starts one server when two callers start it in parallel, and stop leaves no process', async () => {
    const [a, b] = await Promise.all([startS3({ stateDir, env: localOnly }), startS3({ stateDir, env: localOnly })]);
    expect(a.mode).toBe('local');
    expect(a.settings.endpoint).toBe(b.settings.endpoint);
    const record = await readRecord(stateDir, 's3');
    expect(record).toBeDefined();
    expect(isAlive(record!.pid)).toBe(true);
    await a.stop();
    await b.stop();
    expect(isAlive(record!.pid)).toBe(false);
    expect(await portOpen(record!.port)).toBe(false);
    expect(await readRecord(stateDir, 's3')).toBeUndefined();
  });

  it('keeps a server running while another caller still uses it, so parallel runs never stop it under each other', async () => {
    const first = await startS3({ stateDir, env: localOnly });
    // A second run in another process reuses the server and keeps using it.
    const script = `require('@spotify-pipeline/testkit').startS3({ stateDir: ${JSON.stringify(stateDir)}, env: { TESTKIT_MODE: 'local' } })
      .then((s3) => { console.log(s3.settings.endpoint); process.stdin.once('data', () => s3.stop().then(() => process.exit(0))); });`;
    const other = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    const endpoint = await new Promise<string>((resolve) => other.stdout.once('data', (line: Buffer) => resolve(line.toString().trim())));
    expect(endpoint).toBe(first.settings.endpoint);
    const record = (await readRecord(stateDir, 's3'))!;

    await first.stop();
    expect(isAlive(record.pid)).toBe(true);
    expect(await portOpen(record.port)).toBe(true);

    other.stdin.write('stop\n');
    await waitUntil('the other run to stop its use', () => other.exitCode !== null, 30_000);
    expect(other.exitCode).toBe(0);
    expect(isAlive(record.pid)).toBe(false);
    expect(await readRecord(stateDir, 's3')).toBeUndefined();
  });

  it('replaces the server left behind by a crashed test run instead of leaving its port taken', async () => {
    // A separate process starts the server and is then SIGKILLed: its server is orphaned.
    const script = `require('@spotify-pipeline/testkit').startS3({ stateDir: ${JSON.stringify(stateDir)}, env: { TESTKIT_MODE: 'local' } })
      .then(() => { console.log('up'); setInterval(() => undefined, 1000); });`;
    const crashed = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await waitUntil('orphan-to-be started', () => readRecord(stateDir, 's3').then((r) => r !== undefined && r.pid > 0), 120_000, 200);
    await waitUntil('orphan ready', async () => {
      const r = await readRecord(stateDir, 's3');
      return r !== undefined && (await portOpen(r.port));
    }, 120_000, 200);
    const orphan = (await readRecord(stateDir, 's3'))!;
    crashed.kill('SIGKILL');
    await waitUntil('crashed run gone', () => crashed.exitCode !== null || crashed.signalCode !== null, 10_000);
    expect(isAlive(orphan.pid)).toBe(true);

    const next = await startS3({ stateDir, env: localOnly });
    try {
      const replacement = (await readRecord(stateDir, 's3'))!;
      expect(replacement.pid).not.toBe(orphan.pid);
      expect(isAlive(orphan.pid)).toBe(false);
      expect(await portOpen(orphan.port)).toBe(replacement.port === orphan.port);
      expect(next.settings.endpoint).toBe(`http://127.0.0.1:${replacement.port}`);
    } finally {
      await next.stop();
    }
  });
});
