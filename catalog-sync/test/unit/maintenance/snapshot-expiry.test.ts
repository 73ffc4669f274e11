import type { TableMetadata } from '@spotify-pipeline/shared/iceberg';
import { snapshotsToExpire } from '../../../src/maintenance/snapshot-expiry';

const HOUR = 3_600_000;
const snapshot = (id: number, ageHours: number) => ({ 'snapshot-id': BigInt(id), 'parent-snapshot-id': id > 1 ? BigInt(id - 1) : null, 'timestamp-ms': 100 * HOUR - ageHours * HOUR, 'sequence-number': id, 'manifest-list': '', summary: { operation: 'append' } });

describe('snapshotsToExpire', () => {
  const metadata = {
    refs: { main: { 'snapshot-id': 5n, type: 'branch' }, audit: { 'snapshot-id': 1n, type: 'tag' } },
    snapshots: [snapshot(1, 50), snapshot(2, 40), snapshot(3, 30), snapshot(4, 20), snapshot(5, 10)],
  } as unknown as TableMetadata;

  it('expires snapshots past the age limit, but never the newest ones kept by count, the current one or a tagged one', () => {
    const expired = snapshotsToExpire(metadata, { maxAgeMs: 15 * HOUR, minSnapshots: 2 }, 100 * HOUR);
    expect(expired.map((s) => s['snapshot-id'])).toEqual([2n, 3n]);
  });

  it('keeps everything younger than the age limit', () => {
    expect(snapshotsToExpire(metadata, { maxAgeMs: 60 * HOUR, minSnapshots: 1 }, 100 * HOUR)).toEqual([]);
  });
});
