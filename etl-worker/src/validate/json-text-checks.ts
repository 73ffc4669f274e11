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
 * Keys of the objects of a JSON line as written (duplicates included), by one pass over the text
 * that tracks strings and nesting: `top-level` counts the outer object's keys, `any-depth` every
 * object's. More keys than the parsed objects hold means a key was repeated (JSON.parse keeps the
 * last silently). Assumes `line` parsed as an object (called after JSON.parse succeeded).
 */
export function keyCount(line: string, scope: 'top-level' | 'any-depth'): number {
  // Per open container: is it an object (a key follows `{` and `,`)?
  const inObject: boolean[] = [];
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
        if (expectKey) {
          if (scope === 'any-depth' || inObject.length === 1) keys++;
          expectKey = false;
        }
        break;
      case 0x7b: // {
        inObject.push(true);
        expectKey = true;
        break;
      case 0x5b: // [
        inObject.push(false);
        expectKey = false;
        break;
      case 0x7d: // }
      case 0x5d: // ]
        inObject.pop();
        expectKey = false;
        break;
      case 0x2c: // ,
        expectKey = inObject[inObject.length - 1] === true;
        break;
      default:
        break;
    }
  }
  return keys;
}

/** Keys of the top-level object as written: more than `Object.keys(JSON.parse(line))` means a repeated key. */
export const topLevelKeyCount = (line: string): number => keyCount(line, 'top-level');
