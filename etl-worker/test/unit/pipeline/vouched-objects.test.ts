import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { listeningEventCanonicalForm, listeningEventCanonicalMatcher, type StagedFileManifest } from '@spotify-pipeline/shared/schemas';
import { createEtlMetrics } from '../../../src/metrics';
import { DuckDbEncoder } from '../../../src/parquet/duckdb-encoder';
import { VouchedObjectNeedsLineCheck } from '../../../src/parquet/engine-rejection';
import { LakeObjectWriter, type ObjectOutcome } from '../../../src/pipeline/lake-object-writer';
import { prepareAndWrite } from '../../../src/pipeline/overlapped-processing';
import { poisonCode } from '../../../src/pipeline/poison-objects';
import { StagedObjectPreparer } from '../../../src/pipeline/staged-object-preparer';
import { DirectoryLakeStore } from '../../../src/sink/directory-lake-store';
import { EventValidator } from '../../../src/validate/event-validator';
import type { EventTimeWindow } from '../../../src/validate/event-time-window';
import { listeningEvent, stagedObject } from '../../fixtures/listening-events';
import { MemorySource } from '../../fixtures/memory-source';

/**
 * Objects the sink vouched for (manifest `canonical_form`): DuckDB reads them as they are, and what
 * a line check would still have caught (repeated event ids, event times out of range, lines DuckDB
 * refuses) sends the object through the line check. Every case is compared with the same object
 * prepared line by line: the lake must not tell the two paths apart.
 */
describe('vouched staged objects', () => {
  let dir: string;
  let encoder: DuckDbEncoder;
  const source = new MemorySource();
  const metrics = createEtlMetrics(createRegistry('etl-vouch', false));
  const form = listeningEventCanonicalForm();
  const canonical = listeningEventCanonicalMatcher();
  const window: EventTimeWindow = { maxPastMs: 365 * 86_400_000, maxFutureMs: 86_400_000 };
  const eventTimes = { window, now: () => Date.UTC(2026, 11, 1) };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'etl-vouch-'));
    encoder = await DuckDbEncoder.create({ threads: 1, memoryLimitMb: 256, rowGroupRows: 1000, tmpDir: dir });
  });
  afterAll(async () => {
    await encoder.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A staged object, vouched for with `vouch` (null: not vouched for). */
  function stage(lines: string[], firstOffset: number, vouch: string | null = form): StagedFileManifest {
    const { body, manifest } = stagedObject({ bucket: 'staging', topic: 'listening-events', partition: 1, firstOffset, lines });
    source.objects.set(manifest.key, body);
    return vouch === null ? manifest : { ...manifest, canonical_form: vouch };
  }

  const preparer = (trust = true) => new StagedObjectPreparer(source, new EventValidator(), () => encoder.tempPath('.ndjson'), undefined, undefined, eventTimes, undefined, trust);
  const writer = (lake: string) => new LakeObjectWriter(encoder, new DirectoryLakeStore(join(dir, lake), 'lake'), { dlq: 'dlq' }, metrics, pino({ level: 'silent' }), { now: () => 42 });

  /** Both paths over one manifest, each into its own lake; what the vouched path did is returned beside. */
  async function bothPaths(manifest: StagedFileManifest, lake: string): Promise<{ vouched: ObjectOutcome; lineByLine: ObjectOutcome; refusals: string[] }> {
    const refusals: string[] = [];
    const [vouched] = await prepareAndWrite([manifest], preparer(), writer(`${lake}-vouched`), { onVouchRefused: (err) => refusals.push(err.why) });
    const [lineByLine] = await prepareAndWrite([manifest], preparer(false), writer(`${lake}-lines`));
    return { vouched: vouched!, lineByLine: lineByLine!, refusals };
  }

  /** Canonical lines (a lower-case country is not: the sink would not vouch for it), 200 s apart: several event hours. */
  const events = (n: number, from: number) =>
    Array.from({ length: n }, (_, i) => JSON.stringify(listeningEvent(from + i, { conn_country: i % 3 === 0 ? 'SE' : 'US', ts: new Date(Date.parse('2026-11-20T10:00:00Z') + i * 200_000).toISOString() })));

  it('the fixtures are canonical lines, as the sink would vouch for them', () => {
    expect(events(60, 0).every((line) => canonical.match(line) !== undefined)).toBe(true);
  });

  it('writes a vouched object without reading its lines: the same files, bytes and manifests as the line check', async () => {
    const manifest = stage(events(60, 0), 1_000);
    const prepared = await preparer().prepare(manifest);
    expect(prepared.vouched).toBeDefined();
    expect(prepared.validLinesPath).toMatch(/\.ndjson\.gz$/);
    expect([prepared.buckets, prepared.lines, prepared.lineCount]).toEqual([[], [], 60]);
    await rm(prepared.validLinesPath!);

    const { vouched, lineByLine, refusals } = await bothPaths(manifest, 'same');
    expect(refusals).toEqual([]);
    // Several hours, so several files: keys, rows, event-time ranges, watermark, Parquet bytes (sha256) and column metrics all equal.
    expect(vouched.manifests.length).toBeGreaterThan(1);
    expect(vouched).toEqual(lineByLine);
    expect(vouched.manifests.reduce((n, m) => n + m.row_count, 0)).toBe(60);
    // Nothing of the download is left in the work dir.
    expect((await readdir(dir)).filter((f) => f.endsWith('.gz'))).toEqual([]);
  });

  it('sends a vouched object with a repeated event id through the line check: the first line wins, as always', async () => {
    const lines = events(20, 100);
    const repeat = JSON.stringify({ ...JSON.parse(lines[4]!), ms_played: 1 });
    expect(canonical.match(repeat)).toBeDefined();
    const { vouched, lineByLine, refusals } = await bothPaths(stage([...lines, repeat], 2_000), 'repeat');
    expect(refusals).toEqual(['1 line(s) repeat an event id']);
    expect(vouched).toEqual(lineByLine);
    expect(vouched.manifests[0]!.input).toEqual({ staged_record_count: 21, rejected_count: 0, duplicate_count: 1 });
  });

  it('sends a vouched object with an event time out of range through the line check, which quarantines that line', async () => {
    const late = JSON.stringify(listeningEvent(299, { ts: '2031-01-01T00:00:00Z' }));
    const { vouched, lineByLine, refusals } = await bothPaths(stage([...events(10, 200), late], 3_000), 'range');
    expect(refusals).toEqual([expect.stringContaining('the latest event time accepted')]);
    expect(vouched).toEqual(lineByLine);
    expect(vouched.manifests.filter((m) => m.operation === 'quarantine').map((m) => m.row_count)).toEqual([1]);
    expect(vouched.dlq.map((r) => r.value!.toString())).toEqual([late]);
  });

  it('sends a vouched object DuckDB cannot read through the line check, which names the bad line', async () => {
    // A sink that vouched wrongly (or bytes that are not what it checked): the lake still gets the line check's verdicts.
    const { vouched, lineByLine, refusals } = await bothPaths(stage([...events(5, 400), '{"not":"an event"'], 4_000), 'wrong');
    expect(refusals).toHaveLength(1);
    expect(vouched).toEqual(lineByLine);
    expect(vouched.dlq).toHaveLength(1);
  });

  it('sends a vouched object whose bytes are not gzip through the line check, where it is poison, not an IO failure retried forever', async () => {
    const plain = Buffer.from(`${events(3, 700).join('\n')}\n`);
    const staged = stage(events(3, 700), 7_000);
    const manifest = { ...staged, key: `${staged.key}.plain`, size_bytes: plain.length, sha256: createHash('sha256').update(plain).digest('hex') };
    source.objects.set(manifest.key, plain);
    const refusals: string[] = [];
    const failure = await prepareAndWrite([manifest], preparer(), writer('plain'), { onVouchRefused: (err) => refusals.push(err.why) }).catch((err: unknown) => err);
    expect(refusals).toEqual([expect.stringContaining('GZIP')]);
    expect(failure).toMatchObject({ code: 'CHECKSUM_MISMATCH', message: expect.stringContaining('not valid gzip') });
    expect(poisonCode(failure, 'prepare')).toBeDefined();
  });

  it('checks every line of an object vouched for with another form, with trust turned off, or never vouched for', async () => {
    const lines = events(8, 500);
    for (const [manifest, trust] of [
      [stage(lines, 5_000, 'listening-event-v1:another-contract'), true],
      [stage(lines, 5_100), false],
      [stage(lines, 5_200, null), true],
    ] as const) {
      const prepared = await preparer(trust).prepare(manifest);
      expect(prepared.vouched).toBeUndefined();
      expect(prepared.buckets.reduce((n, b) => n + b.rowCount, 0)).toBe(8);
      if (prepared.validLinesPath) await rm(prepared.validLinesPath);
    }
  });

  it('never vouches for a re-prepared object: the fallback is the line check itself', async () => {
    const prepared = await preparer().prepare(stage(events(3, 600), 6_000), undefined, true);
    expect(prepared.vouched).toBeUndefined();
    if (prepared.validLinesPath) await rm(prepared.validLinesPath);
    expect(new VouchedObjectNeedsLineCheck('k', 'why').message).toContain('needs the line check: why');
  });
});
