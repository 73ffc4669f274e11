import { partitionsOverCap } from '../../../src/pipeline/backpressure';

describe('partitionsOverCap', () => {
  const bySize = [
    { id: 't+2', bytes: 60 },
    { id: 't+0', bytes: 30 },
    { id: 't+1', bytes: 10 },
  ];

  it('relieves nothing under the cap', () => {
    expect(partitionsOverCap(100, 100, bySize)).toEqual([]);
  });

  it('relieves the biggest partitions first, only as many as needed to fit', () => {
    expect(partitionsOverCap(100, 50, bySize)).toEqual(['t+2']);
    expect(partitionsOverCap(100, 5, bySize)).toEqual(['t+2', 't+0', 't+1']);
  });
});
