import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureJars } from '../../src/local/jars';
import { formatStorage, serverProperties } from '../../src/local/kafka';
import { kafkaClusterId } from '../../src/local/kafka-cluster-id';

/**
 * The local broker once failed to start one time in 64: its cluster id, random bytes as base64url,
 * started with '-' whenever the first byte was 0xF8..0xFB, and kafka-storage read it as an option.
 * Here the real StorageTool formats a log dir with the id the generator makes from such draws.
 */
describe('kafka-storage format with cluster ids whose random draw starts with a dash', () => {
  let classpathDir: string;
  const work = mkdtempSync(join(tmpdir(), 'kafka-format-'));

  beforeAll(async () => {
    classpathDir = await ensureJars('kafka');
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** A config whose only log dir is fresh; the ports are never bound by `format`. */
  function freshConfig(name: string): { configFile: string; logDir: string } {
    const dataDir = join(work, name);
    const configFile = join(work, `${name}.properties`);
    writeFileSync(configFile, serverProperties(19_092, 19_093, dataDir));
    return { configFile, logDir: join(dataDir, 'logs') };
  }

  const dashedDraw = (first: number): Buffer => Buffer.concat([Buffer.from([first]), randomBytes(15)]);

  it('refuses the id the old generator made from such a draw (the failure this guards against)', async () => {
    const oldId = dashedDraw(0xf8).toString('base64url');
    expect(oldId.startsWith('-')).toBe(true);
    const { configFile } = freshConfig('old-id');
    await expect(formatStorage(classpathDir, oldId, configFile)).rejects.toThrow(/expected one argument/);
  });

  it.each(['f8', 'fb'])('formats with the id made when the first draw starts with 0x%s', async (hex) => {
    const draws = [dashedDraw(parseInt(hex, 16))];
    const id = kafkaClusterId((size) => draws.shift() ?? randomBytes(size));
    expect(id.startsWith('-')).toBe(false);
    const { configFile, logDir } = freshConfig(`new-id-${hex}`);
    await formatStorage(classpathDir, id, configFile);
    expect(readFileSync(join(logDir, 'meta.properties'), 'utf8')).toContain(`cluster.id=${id}`);
  });
});
