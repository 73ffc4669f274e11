import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Repository root, from this file's location (src/local or dist/local). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

export const POM_PATH = join(REPO_ROOT, 'testkit', 'java', 'pom.xml');
export const LOGBACK_PATH = join(REPO_ROOT, 'testkit', 'java', 'logback.xml');

/** Jars are fetched once per machine and reused by every clone and run. */
export function jarCacheDir(): string {
  return process.env.TESTKIT_CACHE_DIR ?? join(homedir(), '.cache', 'spotify-pipeline', 'jars');
}

/** Where running local processes are recorded (pids, ports, data). One stack per state dir. */
export function defaultStateDir(): string {
  return process.env.TESTKIT_STATE_DIR ?? join(REPO_ROOT, '.stack');
}
