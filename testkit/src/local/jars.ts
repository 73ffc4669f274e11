import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { withLock } from './lock.js';
import { jarCacheDir, POM_PATH } from './paths.js';

const run = promisify(execFile);

export type JarSet = 'kafka' | 's3proxy' | 'iceberg-rest';

/**
 * A hash of one profile of the pom kept in the repo (testkit/java/pom.xml), for cache directory
 * names: editing a version refetches that component only, so a Kafka bump never re-extracts Trino.
 */
export async function profileDigest(profile: string): Promise<string> {
  const pom = await readFile(POM_PATH, 'utf8');
  const section = [...pom.matchAll(/<profile>[\s\S]*?<\/profile>/g)].map((m) => m[0]).find((p) => p.includes(`<id>${profile}</id>`));
  if (!section) throw new Error(`${POM_PATH} has no profile ${profile}`);
  return createHash('sha256').update(section).digest('hex').slice(0, 12);
}

/** Runs Maven on the repo's pom with one profile active (its output only on failure). */
export async function mvn(profile: string, args: string[]): Promise<void> {
  await run('mvn', ['-q', '-B', '-f', POM_PATH, '-P', profile, ...args], { maxBuffer: 16 * 1024 * 1024 });
}

/**
 * The classpath directory for a component, fetched from Maven Central on first use. Keyed by its
 * profile's hash; a `.complete` marker, written last under a cross-process lock, means usable.
 */
export async function ensureJars(set: JarSet): Promise<string> {
  const dir = join(jarCacheDir(), `${set}-${await profileDigest(set)}`);
  const marker = join(dir, '.complete');
  if (existsSync(marker)) return dir;
  return withLock(jarCacheDir(), `fetch-${set}`, async () => {
    if (existsSync(marker)) return dir;
    await rm(dir, { recursive: true, force: true });
    await mvn(set, ['dependency:copy-dependencies', `-DoutputDirectory=${dir}`, '-DincludeScope=runtime']);
    const jars = (await readdir(dir)).filter((f) => f.endsWith('.jar'));
    if (jars.length === 0) throw new Error(`maven fetched no jars for ${set} into ${dir}`);
    await writeFile(marker, `${jars.length} jars\n`);
    return dir;
  });
}
