import { JsonArrayShapeError, JsonArraySplitter, type SplitterLimits } from '../../../src/replay/json-array-splitter';

function splitInChunks(text: string, size: number): string[] {
  const splitter = new JsonArraySplitter();
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(...splitter.push(text.slice(i, i + size)).map((e) => e.text));
  splitter.end();
  return out;
}

const TRICKY = `\uFEFF [
  {"a": "brackets ] } [ { and , commas", "b": [1, [2, {"c": 3}]]},
  {"q": "escaped \\" quote and backslash \\\\", "u": "ünïcødé 🎧"},
  42, null, "text",
  {"last": true}
]
`;

describe('JsonArraySplitter', () => {
  it('yields each element of an array as its own text, whatever the chunk size', () => {
    const expected = JSON.parse(TRICKY.replace('\uFEFF', '')) as unknown[];
    for (const size of [1, 2, 3, 7, 16, 64, TRICKY.length]) {
      const elements = splitInChunks(TRICKY, size);
      expect(elements.map((text) => JSON.parse(text) as unknown)).toEqual(expected);
    }
  });

  it('handles an empty array and whitespace', () => {
    expect(splitInChunks(' [ ] \n', 1)).toEqual([]);
  });

  it('keeps a broken element as text so the caller can report it, and goes on', () => {
    const elements = splitInChunks('[{"ok":1}, {oops: 2}, {"ok":3}]', 5);
    expect(elements).toEqual(['{"ok":1}', '{oops: 2}', '{"ok":3}']);
  });

  it('reports a missing element as an empty one', () => {
    expect(splitInChunks('[1,,2]', 2)).toEqual(['1', '', '2']);
    expect(splitInChunks('[1,]', 2)).toEqual(['1', '']);
  });

  it('rejects input that is not an array, truncated input and trailing data', () => {
    expect(() => splitInChunks('{"a":1}', 4)).toThrow(JsonArrayShapeError);
    expect(() => splitInChunks('[{"a":1},{"b":', 4)).toThrow(/before the array was closed/);
    expect(() => splitInChunks('[1] 2', 4)).toThrow(/after the end/);
    expect(() => splitInChunks('', 4)).toThrow(/empty input/);
  });

  it('returns the elements it completed before a truncation', () => {
    const splitter = new JsonArraySplitter();
    expect(splitter.push('[{"a":1},{"b":2},{"c"').map((e) => e.text)).toEqual(['{"a":1}', '{"b":2}']);
    expect(() => splitter.end()).toThrow(JsonArrayShapeError);
  });

  const withLimits = (text: string, size: number, limits: SplitterLimits) => {
    const splitter = new JsonArraySplitter(limits);
    const out = [];
    for (let i = 0; i < text.length; i += size) out.push(...splitter.push(text.slice(i, i + size)));
    splitter.end();
    return out;
  };

  it.each([1, 7, 4096])('marks an element over the size cap TOO_LARGE without holding it, and goes on (chunks of %i)', (size) => {
    const big = `{"pad":"${'x'.repeat(5_000)}"}`;
    const out = withLimits(`[{"a":1},${big},{"b":2}]`, size, { maxElementChars: 2_000, maxDepth: 32 });
    expect(out.map((e) => [e.text.slice(0, 8), e.problem, e.length])).toEqual([
      ['{"a":1}', undefined, 7],
      ['{"pad":"', 'TOO_LARGE', big.length],
      ['{"b":2}', undefined, 7],
    ]);
    expect(out[1]!.text).toHaveLength(1_000);
  });

  it('marks an element nested past the depth cap TOO_DEEP, and goes on', () => {
    const deep = `${'['.repeat(50)}${']'.repeat(50)}`;
    const out = withLimits(`[{"a":{"b":[1]}},${deep},{"c":3}]`, 16, { maxElementChars: 1_000, maxDepth: 3 });
    expect(out.map((e) => e.problem)).toEqual([undefined, 'TOO_DEEP', undefined]);
    expect(out[2]!.text).toBe('{"c":3}');
  });
});
