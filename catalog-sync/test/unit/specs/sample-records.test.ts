import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleFile } from '../../../src/specs/sample-records';

describe('sampleFile: the first records of an NDJSON file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sample-records-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const ndjson = async (lines: string[]): Promise<string> => {
    const file = join(dir, 'records.ndjson');
    await writeFile(file, lines.join('\n'));
    return file;
  };

  it('parses the JSON objects, counts every other line without failing and ignores blank lines', async () => {
    const file = await ndjson(['\uFEFF{"a":1}', '', 'not json', '[1,2]', '"text"', 'null', '{"a":2}', '   ', '{"a":3']);
    const sample = await sampleFile(file, 100);
    expect(sample.records).toEqual([{ a: 1 }, { a: 2 }]);
    expect(sample.skipped).toBe(5);
    expect(sample.firstSkipped).toBe('line 3');
    expect(sample.incomplete).toBeUndefined();
  });

  it('stops at the limit, and at as many bad lines (a file of something else is not read to its end)', async () => {
    const good = await ndjson(Array.from({ length: 50 }, (_, i) => JSON.stringify({ i })));
    expect((await sampleFile(good, 10)).records.map((r) => r.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const bad = await ndjson(Array.from({ length: 50 }, (_, i) => `line ${i}`));
    expect(await sampleFile(bad, 10)).toEqual({ records: [], skipped: 10, firstSkipped: 'line 1' });
  });
});
