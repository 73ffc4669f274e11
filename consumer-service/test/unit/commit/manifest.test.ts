import { gunzipSync } from 'node:zlib';
import { listeningEventCanonicalForm, stagedFileManifestV1 } from '@spotify-pipeline/shared/schemas';
import { stagedFileManifest } from '../../../src/commit/manifest';
import type { StagingFormat } from '../../../src/pipeline/encoder';
import type { PartitionBatch } from '../../../src/pipeline/partition-batch';
import { PartitionBatcher } from '../../../src/pipeline/partition-batcher';
import { type CanonicalForm, listeningEventForm } from '../../../src/pipeline/record-check';
import type { SourceRecord } from '../../../src/pipeline/source-record';
import { listeningEventValue } from '../../fixtures/listening-event';
import { record } from '../pipeline/fixtures';

const FORM = listeningEventForm();

function batcher(format: StagingFormat = 'ndjson', maxRecords = 1_000, canonicalForm: CanonicalForm | null = FORM) {
  return new PartitionBatcher({
    policy: { maxRecords, maxBytes: 1e9, maxTimeSpanMs: 1e9, idleMs: 1e9, intervalMs: 1e9 },
    format,
    gzipLevel: 1,
    maxRecordBytes: 10_000,
    ...(canonicalForm ? { canonicalForm } : {}),
    now: () => 0,
  });
}

/** Batches the values as offsets 0…n-1 of one partition and stages every batch as the stager does: its manifest and its lines. */
async function stage(values: Array<Partial<SourceRecord>>, format: StagingFormat = 'ndjson', maxRecords = 1_000, canonicalForm: CanonicalForm | null = FORM) {
  const b = batcher(format, maxRecords, canonicalForm);
  values.forEach((overrides, offset) => b.add(record(offset, overrides)));
  b.closeAll('shutdown');
  return Promise.all(
    b.ready().map(async (batch: PartitionBatch) => {
      const { body, sha256 } = await batch.encode();
      const object = { bucket: 'staging', key: `k-${batch.firstOffset}`, body, sha256, recordCount: batch.stagedCount, topic: batch.topic, partition: batch.partition, firstOffset: batch.firstOffset, lastOffset: batch.lastOffset };
      const manifest = stagedFileManifestV1.parse(JSON.parse(JSON.stringify(stagedFileManifest(batch, object, format, 42))));
      return { manifest, deadLetters: batch.deadLetters.map((d) => d.record.offset), lines: gunzipSync(body).toString('utf8').split('\n').slice(0, -1) };
    }),
  );
}

const canonical = (i: number): Partial<SourceRecord> => ({ value: listeningEventValue(i) });

describe('stagedFileManifest canonical_form (the vouch the ETL trusts instead of reading the lines)', () => {
  it('vouches for an object whose every line is in the canonical form, with the shared fingerprint', async () => {
    const [staged] = await stage([0, 1, 2].map(canonical));
    expect(staged!.manifest.canonical_form).toBe(listeningEventCanonicalForm());
    expect(staged!.manifest.record_count).toBe(3);
    // The vouch is about the object's bytes: every line, as the ETL will read it, matches.
    expect(staged!.lines.every((line) => FORM.matcher.match(line) !== undefined)).toBe(true);
  });

  it.each([
    ['keys in another order', { value: Buffer.from(JSON.stringify({ event_id: 'evt-0000000001', ...JSON.parse(listeningEventValue(1).toString()) })) }],
    ['an extra field', { value: listeningEventValue(1, { extra: true }) }],
    ['pretty-printed (staged compacted)', { value: Buffer.from(JSON.stringify(JSON.parse(listeningEventValue(1).toString()), null, 2)) }],
    ['another JSON object', {}],
  ])('does not vouch for an object with one valid line of %s among canonical ones', async (_name, odd) => {
    const [staged] = await stage([canonical(0), odd, canonical(2)]);
    expect(staged!.manifest.record_count).toBe(3);
    expect(staged!.manifest).not.toHaveProperty('canonical_form');
  });

  it('keeps the vouch of an object whose dead letters (not UTF-8, not JSON, tombstone) are not in it', async () => {
    const good = listeningEventValue(1);
    const at = good.indexOf('í');
    const notUtf8 = Buffer.concat([good.subarray(0, at), Buffer.from([0xff]), good.subarray(at + 2)]);
    const [staged] = await stage([canonical(0), { value: notUtf8 }, { value: Buffer.from('oops') }, { value: null }, canonical(4)]);
    expect(staged!.deadLetters).toEqual([1, 2, 3]);
    expect(staged!.manifest.record_count).toBe(2);
    expect(staged!.manifest.canonical_form).toBe(listeningEventCanonicalForm());
    expect(staged!.lines).toEqual([listeningEventValue(0).toString(), listeningEventValue(4).toString()]);
  });

  it('decides per object: a non-canonical line un-vouches its own batch only', async () => {
    const staged = await stage([canonical(0), canonical(1), { value: listeningEventValue(2, { extra: 1 }) }, canonical(3), canonical(4), canonical(5)], 'ndjson', 3);
    expect(staged.map((s) => [s.manifest.source.first_offset, s.manifest.canonical_form])).toEqual([
      [0, undefined],
      [3, listeningEventCanonicalForm()],
    ]);
  });

  it('never vouches for an envelope object (its lines wrap the values), nor without a form to check', async () => {
    const [envelope] = await stage([0, 1].map(canonical), 'ndjson-envelope');
    expect(envelope!.manifest).not.toHaveProperty('canonical_form');
    const [unchecked] = await stage([0, 1].map(canonical), 'ndjson', 1_000, null);
    expect(unchecked!.manifest).not.toHaveProperty('canonical_form');
  });
});
