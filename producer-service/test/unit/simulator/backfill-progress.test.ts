import { BackfillProgress } from '../../../src/simulator/backfill-progress';

describe('BackfillProgress', () => {
  const start = Date.UTC(2024, 2, 4);
  const window = { startMs: start, endMs: start + 2 * 86_400_000 };

  it('draws one line: events, rate, simulated time reached, ETA; at most every 200 ms', () => {
    let now = 1_000_000;
    const written: string[] = [];
    const progress = new BackfillProgress({ write: (text: string) => written.push(text) }, window, () => now);
    progress.update(0, start);
    now += 100;
    progress.update(5_000, start + 3_600_000);
    expect(written).toHaveLength(1);
    now += 900;
    // A quarter of the window in one second: three more to go.
    progress.update(100_000, start + 12 * 3_600_000);
    expect(written).toHaveLength(2);
    expect(written[1]).toBe('\r\x1b[2Kbackfill: 100,000 events | 100,000/s | reached 2024-03-04 12:00Z (25% of the window) | ETA 3s');
    progress.finish(120_000, start + 13 * 3_600_000);
    expect(written.at(-1)).toBe('\n');
  });

  it('takes the ETA from --events when that comes first', () => {
    let now = 0;
    const written: string[] = [];
    const progress = new BackfillProgress({ write: (text: string) => written.push(text) }, { ...window, maxEvents: 300_000 }, () => now);
    progress.update(0, start);
    now = 1_000;
    progress.update(100_000, start + 3_600_000);
    expect(written[1]).toContain('100,000 of 300,000 events');
    expect(written[1]).toContain('ETA 2s');
  });

  it('draws nothing without a terminal', () => {
    const progress = new BackfillProgress(undefined, window);
    expect(() => progress.update(1, start)).not.toThrow();
    expect(() => progress.finish(1, start)).not.toThrow();
  });
});
