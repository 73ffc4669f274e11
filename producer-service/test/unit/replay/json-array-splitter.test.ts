import { JsonArrayShapeError, JsonArraySplitter } from '../../../src/replay/json-array-splitter';

function splitInChunks(text: string, size: number): string[] {
  const splitter = new JsonArraySplitter();
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(...splitter.push(text.slice(i, i + size)));
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
    expect(splitter.push('[{"a":1},{"b":2},{"c"')).toEqual(['{"a":1}', '{"b":2}']);
    expect(() => splitter.end()).toThrow(JsonArrayShapeError);
  });
});
