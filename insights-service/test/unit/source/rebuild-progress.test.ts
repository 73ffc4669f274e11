import { RebuildProgress } from '../../../src/source/rebuild-progress';

const tp = (partition: number, offset: number) => ({ topic: 't', partition, offset });

describe('RebuildProgress', () => {
  let now = 1_000;
  const clock = () => now;

  it('is done once every partition reached the high watermark it had at start', () => {
    const progress = new RebuildProgress(clock);
    progress.begin([tp(0, 10), tp(1, 0), tp(2, -1)], new Map([[0, 20], [1, 5], [2, 7]]));
    expect(progress.recordsToRead).toBe(15);
    expect(progress.pendingPartitions.sort()).toEqual([0, 1]);
    progress.read(0, 19);
    expect(progress.done).toBe(false);
    now = 4_000;
    progress.read(1, 4);
    expect(progress.done).toBe(true);
    expect(progress.durationMs()).toBe(3_000);
  });

  it('counts a partition whose last offsets are transaction markers as done at its end or position', () => {
    const progress = new RebuildProgress(clock);
    progress.begin([tp(0, 0), tp(1, 0)], new Map([[0, 10], [1, 10]]));
    progress.read(0, 8); // offset 9 is a commit marker a read_committed consumer never returns
    expect(progress.done).toBe(false);
    progress.position(0, 10);
    progress.reachedEnd(1);
    expect(progress.done).toBe(true);
  });

  it('is done at once when nothing is inside the horizon', () => {
    const progress = new RebuildProgress(clock);
    progress.begin([tp(0, -1), tp(1, 5)], new Map([[0, 3], [1, 5]]));
    expect(progress.done).toBe(true);
    expect(progress.recordsToRead).toBe(0);
  });

  it('is not done before it began', () => {
    expect(new RebuildProgress(clock).done).toBe(false);
  });
});
