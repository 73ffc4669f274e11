import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const WORK_DIR_PREFIX = 'etl-worker-';
const OWNER_FILE = 'owner.pid';

/** Marks a work dir as this process's, so a later start can tell a crashed worker's dir from a live one's. */
export async function claimWorkDir(dir: string, pid: number): Promise<void> {
  await writeFile(join(dir, OWNER_FILE), String(pid));
}

/**
 * Removes the work dirs of workers that died without cleaning up (kill -9, OOM): their NDJSON
 * spools and Parquet outputs on tmpfs would otherwise fill the volume over a crash loop (it
 * happened: ENOSPC). A dir is stale when its owner process is gone, or, with no owner file, when
 * it is older than an hour. Dirs of live workers sharing the temp dir are left alone.
 */
export async function removeStaleWorkDirs(base: string, isAlive: (pid: number) => boolean, now = Date.now()): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(base);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const entry of entries.filter((e) => e.startsWith(WORK_DIR_PREFIX))) {
    const dir = join(base, entry);
    const owner = Number(await readFile(join(dir, OWNER_FILE), 'utf8').catch(() => 'NaN'));
    const stale = Number.isInteger(owner) ? !isAlive(owner) : now - (await stat(dir).then((s) => s.mtimeMs).catch(() => now)) > 3_600_000;
    if (!stale) continue;
    await rm(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

/** Signal 0 probes a pid without touching it; EPERM means it exists under another user. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
