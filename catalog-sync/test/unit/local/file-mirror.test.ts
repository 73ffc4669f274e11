import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { S3FileIO } from '@spotify-pipeline/shared/iceberg';
import { FileMirror } from '../../../src/local/file-mirror';

describe('FileMirror.prune', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'mirror-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('removes only mirrored files no current snapshot lists, and only once past the grace period', async () => {
    const folder = join(dir, 'lake', 'listening_events', 'data', 'ts_hour=2024-03-01-10');
    mkdirSync(folder, { recursive: true });
    const listed = join(folder, 'part-a.1000.parquet');
    const replacedOld = join(folder, 'part-b.1000.parquet');
    const replacedFresh = join(folder, 'part-c.1000.parquet');
    for (const path of [listed, replacedOld, replacedFresh]) writeFileSync(path, 'x');
    const now = Date.now();
    for (const path of [listed, replacedOld]) utimesSync(path, new Date(now - 3_600_000), new Date(now - 3_600_000));

    const mirror = new FileMirror(new S3FileIO(new S3Client({ region: 'us-east-1' })), dir);
    await expect(mirror.prune(new Set([listed]), 600_000, now)).resolves.toBe(1);

    expect([existsSync(listed), existsSync(replacedOld), existsSync(replacedFresh)]).toEqual([true, false, true]);
  });
});
