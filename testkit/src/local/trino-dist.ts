import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mvn, profileDigest } from './jars.js';
import { withLock } from './lock.js';
import { jarCacheDir } from './paths.js';

const run = promisify(execFile);

/** The only connector the local stack loads: fewer plugins, faster start and a smaller cache. */
export const TRINO_PLUGINS = ['iceberg'] as const;

/**
 * The Trino server (lib/ and the plugins above) from the `trino` profile's tarball, extracted once
 * per version into the jar cache. The whole tarball is extracted and the rest deleted: its plugins
 * share jars as hard links, so extracting only plugin/iceberg fails on links to skipped entries.
 */
export async function ensureTrinoServer(): Promise<string> {
  const dir = join(jarCacheDir(), `trino-${await profileDigest('trino')}`);
  const marker = join(dir, '.complete');
  if (existsSync(marker)) return dir;
  return withLock(jarCacheDir(), 'fetch-trino', async () => {
    if (existsSync(marker)) return dir;
    const staging = `${dir}.download`;
    await rm(dir, { recursive: true, force: true });
    await rm(staging, { recursive: true, force: true });
    try {
      await mvn('trino', ['dependency:copy', `-DoutputDirectory=${staging}`]);
      const tarball = (await readdir(staging)).find((f) => f.endsWith('.tar.gz'));
      if (!tarball) throw new Error(`maven fetched no trino-server tarball into ${staging}`);
      await run('tar', ['-xzf', join(staging, tarball), '-C', staging]);
      const root = (await readdir(staging, { withFileTypes: true })).find((e) => e.isDirectory() && e.name.startsWith('trino-server-'));
      if (!root) throw new Error(`${tarball} has no trino-server-* directory`);
      await mkdir(join(dir, 'plugin'), { recursive: true });
      await rename(join(staging, root.name, 'lib'), join(dir, 'lib'));
      for (const plugin of TRINO_PLUGINS) await rename(join(staging, root.name, 'plugin', plugin), join(dir, 'plugin', plugin));
      await writeFile(marker, `${root.name}: lib, plugin/${TRINO_PLUGINS.join(', plugin/')}\n`);
      return dir;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  });
}
