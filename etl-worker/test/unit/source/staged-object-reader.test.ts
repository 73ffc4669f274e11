import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isFatal } from '@spotify-pipeline/shared/kafka';
import { poisonCode } from '../../../src/pipeline/poison-objects';
import { readStagedLines, S3StagedObjectSource } from '../../../src/source/staged-object-reader';
import { listeningEvent, stagedObject } from '../../fixtures/listening-events';
import { MemorySource } from '../../fixtures/memory-source';

describe('readStagedLines: local failures are not S3 failures', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'staged-reader-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a full spool (ENOSPC) is LOCAL_DISK_FULL, retried, naming the temp dir: not an S3 outage, not a poison object', async () => {
    const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify(listeningEvent(i)));
    const { body, manifest } = stagedObject({ bucket: 'staging', topic: 'listening-events', partition: 0, firstOffset: 0, lines });
    const source = new MemorySource();
    source.objects.set(manifest.key, body);
    // Every write to /dev/full fails with ENOSPC; through a link, so nothing here can remove the device.
    const spool = join(dir, 'spool.ndjson');
    await symlink('/dev/full', spool);
    const err = await readStagedLines(source, manifest, () => undefined, spool).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'LOCAL_DISK_FULL', retriable: true });
    expect((err as Error).message).toContain('ETL_TMP_DIR');
    expect(poisonCode(err, 'prepare')).toBeUndefined();
    expect(isFatal(err)).toBe(false);
  });
});

describe('S3StagedObjectSource: a missing bucket is not a missing object', () => {
  const manifest = stagedObject({ bucket: 'staging-typo', topic: 'listening-events', partition: 0, firstOffset: 0, lines: ['{}'] }).manifest;
  const failing = (err: object) => new S3StagedObjectSource({ send: () => Promise.reject(Object.assign(new Error('not found'), err)) } as never);

  it('NoSuchBucket: fatal S3_BUCKET_NOT_FOUND naming the bucket, never dead-lettered as "object missing"', async () => {
    const err = await failing({ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } }).open(manifest).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'S3_BUCKET_NOT_FOUND', retriable: false });
    expect((err as Error).message).toContain('staging-typo');
    expect((err as Error).message).toContain('STORAGE_STAGING_BUCKET');
    expect(isFatal(err)).toBe(true);
    expect(poisonCode(err, 'prepare')).toBeUndefined();
  });

  it('NoSuchKey stays S3_NOT_FOUND: that one staged object is dead-lettered (the staging expiry), the worker goes on', async () => {
    const err = await failing({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }).open(manifest).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'S3_NOT_FOUND', retriable: false });
    expect(isFatal(err)).toBe(false);
    expect(poisonCode(err, 'prepare')).toBe('S3_NOT_FOUND');
  });
});
