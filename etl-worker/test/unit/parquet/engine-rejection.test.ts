import { EngineRejectedInput, isolateRejectedLines } from '../../../src/parquet/engine-rejection';

describe('isolateRejectedLines', () => {
  it('finds each refused line by bisection, with few probes, keeping the engine message', async () => {
    const lines = Array.from({ length: 1_000 }, (_, i) => `line-${i}`);
    const bad = new Set(['line-17', 'line-600']);
    let probes = 0;
    const rejected = await isolateRejectedLines(lines, async (chunk) => {
      probes++;
      const hit = chunk.find((l) => bad.has(l));
      if (hit) throw new EngineRejectedInput(`no low surrogate in ${hit}`, undefined);
    });
    expect([...rejected.keys()].sort()).toEqual(['line-17', 'line-600']);
    expect(rejected.get('line-17')).toContain('no low surrogate in line-17');
    // Two bad lines of 1,000: about 2·2·log2(1000) probes, not 1,000.
    expect(probes).toBeLessThan(50);
  });

  it('finds nothing in lines the engine takes, and lets any other failure through', async () => {
    await expect(isolateRejectedLines(['a', 'b'], async () => undefined)).resolves.toEqual(new Map());
    await expect(isolateRejectedLines(['a'], async () => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
  });
});
