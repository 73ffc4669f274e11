import { EmbeddedCatalog } from '../../../src/local/embedded-catalog';
import { tableSpec } from '../../../src/catalog/tables';
import type { LakeFile } from '../../../src/catalog/catalog';
import { memoryS3 } from '../../fixtures/memory-s3';

const file = (key: string, rowCount: number): LakeFile => ({ key, rowCount, sizeBytes: 10, sha256: 'x' });
const P = { dt: '2024-03-01', hour: '10' };
const location = 's3://lake/listening_events/dt=2024-03-01/hour=10/';

describe('EmbeddedCatalog', () => {
  let s3: ReturnType<typeof memoryS3>;
  let catalog: EmbeddedCatalog;
  let now = 1_000;

  beforeEach(() => {
    s3?.mock.restore();
    s3 = memoryS3();
    catalog = new EmbeddedCatalog(s3.client, 'lake', '_catalog/catalog.json', () => now++, { sleep: async () => undefined });
  });
  afterAll(() => s3.mock.restore());

  it('creates the document on first write, and writes nothing for a write that changes nothing', async () => {
    await catalog.ensureTable(tableSpec('lake', 'listening_events'));
    await catalog.registerPartitions('listening_events', [{ ...P, location, files: [file('a', 1)] }]);
    const writes = s3.writes();

    await catalog.ensureTable(tableSpec('lake', 'listening_events'));
    await catalog.registerPartitions('listening_events', [{ ...P, location, files: [file('a', 1)] }]);
    await catalog.setPartitionClosed('listening_events', P, { closedAtMs: 5, watermarkMs: 4 });
    await catalog.setPartitionClosed('listening_events', P, { closedAtMs: 6, watermarkMs: 5 });

    expect(s3.writes()).toBe(writes + 1); // only the first close
    const [partition] = await catalog.listPartitions('listening_events');
    expect(partition).toMatchObject({ ...P, closed: true, closedAtMs: 5, files: [file('a', 1)] });
  });

  it('swaps files in one write, idempotently, and a replaced key never comes back', async () => {
    await catalog.ensureTable(tableSpec('lake', 'listening_events'));
    await catalog.registerPartitions('listening_events', [{ ...P, location, files: [file('a', 1), file('b', 2)] }]);
    const swap = { ...P, location, remove: ['a', 'b'], add: [file('c', 3)] };
    const before = s3.writes();
    await catalog.switchPartitionFiles('listening_events', swap);
    expect(s3.writes()).toBe(before + 1);
    await catalog.switchPartitionFiles('listening_events', swap);
    await catalog.registerPartitions('listening_events', [{ ...P, location, files: [file('a', 1)] }]);
    expect(s3.writes()).toBe(before + 1);
    expect((await catalog.listPartitions('listening_events'))[0]!.files).toEqual([file('c', 3)]);
  });

  it('re-reads and re-applies its change when another writer got in first, losing neither write', async () => {
    await catalog.ensureTable(tableSpec('lake', 'listening_events'));
    await catalog.registerPartitions('listening_events', [{ ...P, location, files: [file('a', 1)] }]);
    // Another process writes after our last read: our cached ETag is stale.
    await new EmbeddedCatalog(s3.client, 'lake', '_catalog/catalog.json').registerPartitions('listening_events', [{ ...P, location, files: [file('theirs', 7)] }]);
    s3.mock.resetHistory();

    await catalog.registerPartitions('listening_events', [{ ...P, location, files: [file('ours', 5)] }]);

    const puts = s3.mock.calls().filter((c) => c.args[0].constructor.name === 'PutObjectCommand');
    expect(puts).toHaveLength(2); // 412, then the write on their version
    const files = (await catalog.listPartitions('listening_events'))[0]!.files!.map((f) => f.key).sort();
    expect(files).toEqual(['a', 'ours', 'theirs']);
  });

  it('takes a snapshot table (tracks) whose every version arrives as a swap, the first one replacing nothing', async () => {
    await catalog.ensureTable(tableSpec('lake', 'tracks'));
    const whole = { dt: '', hour: '' };
    await catalog.switchPartitionFiles('tracks', { ...whole, location: 's3://lake/tracks/snapshot=h1/', remove: [], add: [file('tracks/snapshot=h1/tracks.parquet', 8)] });
    await catalog.switchPartitionFiles('tracks', { ...whole, location: 's3://lake/tracks/snapshot=h2/', remove: ['tracks/snapshot=h1/tracks.parquet'], add: [file('tracks/snapshot=h2/tracks.parquet', 9)] });

    const [snapshot] = await catalog.listPartitions('tracks');
    expect(snapshot).toMatchObject({ location: 's3://lake/tracks/snapshot=h2/', files: [file('tracks/snapshot=h2/tracks.parquet', 9)] });
  });
});
