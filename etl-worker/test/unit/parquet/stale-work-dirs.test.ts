import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeStaleWorkDirs } from '../../../src/parquet/stale-work-dirs';

describe('removeStaleWorkDirs', () => {
  it("removes dead workers' dirs and old unowned ones, never a live worker's or someone else's", async () => {
    const base = mkdtempSync(join(tmpdir(), 'stale-'));
    try {
      const dir = (name: string, owner?: number): string => {
        const path = join(base, name);
        mkdirSync(path);
        writeFileSync(join(path, 'spool.ndjson'), 'x');
        if (owner !== undefined) writeFileSync(join(path, 'owner.pid'), String(owner));
        return path;
      };
      const dead = dir('etl-worker-dead', 111);
      const live = dir('etl-worker-live', 222);
      const oldUnowned = dir('etl-worker-old');
      const freshUnowned = dir('etl-worker-fresh');
      const other = dir('something-else');
      const hourAgo = new Date(Date.now() - 2 * 3_600_000);
      utimesSync(oldUnowned, hourAgo, hourAgo);
      const removed = await removeStaleWorkDirs(base, (pid) => pid === 222);
      expect(removed.sort()).toEqual([dead, oldUnowned].sort());
      expect([live, freshUnowned, other].every((p) => existsSync(p))).toBe(true);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
