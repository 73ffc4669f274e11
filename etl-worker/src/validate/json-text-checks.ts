/**
 * Checks of a JSON line that `JSON.parse` does not make but the Parquet engine does: DuckDB refuses
 * a whole staged object for one line with a duplicate key or a lone surrogate, so such a line must
 * be found and quarantined alone here (issue: one record could crash-loop every ETL replica).
 * They run only on lines that missed the canonical fast path (canonical lines have no escapes and
 * an exact key set).
 */

/** A lone UTF-16 surrogate: with the `u` flag a well-formed pair is one astral code point, never Cs. */
const LONE_SURROGATE = /\p{Cs}/u;

export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/**
 * Number of keys of the top-level object as written (duplicates included), by a single pass over
 * the text that tracks strings and nesting: more keys than `Object.keys(JSON.parse(line))` means a
 * key was repeated. Assumes `line` parsed as an object (called after JSON.parse succeeded).
 */
export function topLevelKeyCount(line: string): number {
  let depth = 0;
  let keys = 0;
  let inString = false;
  let expectKey = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped char
      else if (c === 0x22) inString = false;
      continue;
    }
    switch (c) {
      case 0x22: // "
        inString = true;
        if (depth === 1 && expectKey) {
          keys++;
          expectKey = false;
        }
        break;
      case 0x7b: // {
        depth++;
        if (depth === 1) expectKey = true;
        break;
      case 0x5b: // [
        depth++;
        break;
      case 0x7d: // }
      case 0x5d: // ]
        depth--;
        break;
      case 0x2c: // ,
        if (depth === 1) expectKey = true;
        break;
      default:
        break;
    }
  }
  return keys;
}
