import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { withLock } from './lock.js';
import { jarCacheDir, POM_PATH } from './paths.js';

const run = promisify(execFile);

export type JarSet = 'kafka' | 's3proxy';

/**
 * The classpath directory for a component, fetched from Maven Central on first use by the pom kept
 * in the repo (testkit/java/pom.xml). Keyed by the pom's hash, so editing a version refetches.
 */
export async function ensureJars(set: JarSet): Promise<string> {
  const pom = await readFile(POM_PATH, 'utf8');
  const digest = createHash('sha256').update(pom).digest('hex').slice(0, 12);
  const dir = join(jarCacheDir(), `${set}-${digest}`);
  const marker = join(dir, '.complete');
  if (existsSync(marker)) return dir;
  return withLock(jarCacheDir(), `fetch-${set}`, async () => {
    if (existsSync(marker)) return dir;
    await rm(dir, { recursive: true, force: true });
    await run(
      'mvn',
      ['-q', '-B', '-f', POM_PATH, '-P', set, 'dependency:copy-dependencies', `-DoutputDirectory=${dir}`, '-DincludeScope=runtime'],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    const jars = (await readdir(dir)).filter((f) => f.endsWith('.jar'));
    if (jars.length === 0) throw new Error(`maven fetched no jars for ${set} into ${dir}`);
    await writeFile(marker, `${jars.length} jars\n`);
    return dir;
  });
}
