import type { Normalizer } from '@spotify-pipeline/shared/table-spec';

/**
 * A table spec's normalisers (`upper`, `lower`, `trim`) as DuckDB's upper(), lower() and trim()
 * compute them: the validator checks the normalised value, and the lake holds what the SQL writes
 * (spec-table-sql.ts), so an identity partition value or an enum check must see the same text.
 *
 * JS and DuckDB differ: String#toUpperCase applies Unicode's full mappings (`ß` → `SS`, a string
 * of another length) and the final-sigma rule, JS trim() removes tabs and line breaks. DuckDB maps
 * each code point alone (utf8proc's simple mappings) and trims only space separators (Zs). So:
 * one code point at a time, JS's mapping where it is one code point, DuckDB's own where JS's is
 * longer, and nothing for the case pairs Node's newer Unicode has and DuckDB's does not.
 * spec-normalizers.test.ts compares every code point with DuckDB in process: a DuckDB or Node
 * upgrade that moves one fails there, not in the lake.
 */

/** DuckDB's mapping where JS's is several code points (ß → ẞ; Greek letters with ypogegrammeni → their title-case forms). */
const UPPER_SPECIAL = new Map<number, number>([
  [0xdf, 0x1e9e],
  ...range(0x1f80, 0x1f87).map((c): [number, number] => [c, c + 8]),
  ...range(0x1f90, 0x1f97).map((c): [number, number] => [c, c + 8]),
  ...range(0x1fa0, 0x1fa7).map((c): [number, number] => [c, c + 8]),
  [0x1fb3, 0x1fbc],
  [0x1fc3, 0x1fcc],
  [0x1ff3, 0x1ffc],
]);
/** İ: JS gives i + combining dot (two code points), DuckDB a plain i. */
const LOWER_SPECIAL = new Map<number, number>([[0x130, 0x69]]);

/** Case pairs of Unicode 16 (2024) that Node maps and DuckDB 1.5 does not: DuckDB leaves them as they are. */
const UPPER_UNKNOWN_TO_DUCKDB = new Set([0x19b, 0x264, 0x1c8a, 0xa7cd, 0xa7cf, 0xa7d3, 0xa7d5, 0xa7db, ...range(0x10d70, 0x10d85), ...range(0x16ebb, 0x16ed3)]);
const LOWER_UNKNOWN_TO_DUCKDB = new Set([0x1c89, 0xa7cb, 0xa7cc, 0xa7ce, 0xa7d2, 0xa7d4, 0xa7da, 0xa7dc, ...range(0x10d50, 0x10d65), ...range(0x16ea0, 0x16eb8)]);

function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

const ASCII = /^[\u0000-\u007f]*$/;
const EDGE_SPACES = /^\p{Zs}+|\p{Zs}+$/gu;

function mapCodePoints(text: string, special: ReadonlyMap<number, number>, unknown: ReadonlySet<number>, jsMap: (c: string) => string): string {
  let out = '';
  for (const c of text) {
    const code = c.codePointAt(0)!;
    const own = special.get(code);
    if (own !== undefined) out += String.fromCodePoint(own);
    else if (unknown.has(code)) out += c;
    else {
      const mapped = jsMap(c);
      // A mapping of several code points (full case mapping) is one DuckDB does not make.
      out += [...mapped].length === 1 ? mapped : c;
    }
  }
  return out;
}

export const duckdbUpper = (text: string): string => (ASCII.test(text) ? text.toUpperCase() : mapCodePoints(text, UPPER_SPECIAL, UPPER_UNKNOWN_TO_DUCKDB, (c) => c.toUpperCase()));
export const duckdbLower = (text: string): string => (ASCII.test(text) ? text.toLowerCase() : mapCodePoints(text, LOWER_SPECIAL, LOWER_UNKNOWN_TO_DUCKDB, (c) => c.toLowerCase()));
export const duckdbTrim = (text: string): string => text.replace(EDGE_SPACES, '');

export const NORMALIZER_FUNCTIONS: Readonly<Record<Normalizer, (text: string) => string>> = {
  upper: duckdbUpper,
  lower: duckdbLower,
  trim: duckdbTrim,
};
