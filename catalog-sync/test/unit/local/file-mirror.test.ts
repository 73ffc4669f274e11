import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { FileMirror } from '../../../src/local/file-mirror';

describe('FileMirror.prune', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'mirror-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('removes only mirrored files no catalog file is backed by, and only once past the grace period', async () => {
    const folder = join(dir, 'lake', 'listening_events', 'dt=2024-03-01', 'hour=10');
    mkdirSync(folder, { recursive: true });
    const listed = join(folder, 'part-a.etag1.parquet');
    const replacedOld = join(folder, 'part-b.etag1.parquet');
    const replacedFresh = join(folder, 'part-c.etag1.parquet');
    for (const path of [listed, replacedOld, replacedFresh]) writeFileSync(path, 'x');
    const now = Date.now();
    for (const path of [listed, replacedOld]) utimesSync(path, new Date(now - 3_600_000), new Date(now - 3_600_000));

    const mirror = new FileMirror(new S3Client({ region: 'us-east-1' }), 'lake', dir);
    await expect(mirror.prune(new Set([listed]), 600_000, now)).resolves.toBe(1);

    expect([existsSync(listed), existsSync(replacedOld), existsSync(replacedFresh)]).toEqual([true, false, true]);
  });
});
