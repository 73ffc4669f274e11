import { hasLoneSurrogate, keyCount } from './json-text-checks.js';
import type { RejectReason } from './reasons.js';

/**
 * What JSON.parse hides below the top level of a record, for contracts with nested objects and
 * arrays (table specs); json-text-checks.ts covers the top level. DuckDB refuses a whole staged
 * object for a lone surrogate at any depth and for a repeated key in an object it reads as a
 * STRUCT, and it reads integers exactly where JSON.parse rounds them beyond 2^53.
 *
 * Walks are iterative: JSON.parse accepts nesting deeper than the call stack, and a RangeError
 * here would fail the whole batch instead of quarantining one line.
 */

export interface TextProblem {
  reason: RejectReason;
  message: string;
}

const MAX_PATH_CHARS = 128;

/** Keys of every object in the text, at any depth, repeats included (keyCount). */
export const keyCountAtAnyDepth = (line: string): number => keyCount(line, 'any-depth');

/** A container or string met in the walk: its key (or index) and the container holding it, so a path is built only for a problem. */
interface Place {
  key: string | number;
  parent?: Place;
}

function pathText(place: Place): string {
  const keys: Array<string | number> = [];
  for (let p: Place | undefined = place; p; p = p.parent) keys.push(p.key);
  return keys
    .reverse()
    .map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`))
    .join('')
    .slice(0, MAX_PATH_CHARS);
}

/**
 * A lone surrogate in a nested key or string, or a key repeated in a nested object; undefined
 * when there is none. The top level (keys, values, repeats) is textProblemOf's: call that first.
 */
export function nestedTextProblem(line: string, record: Record<string, unknown>): TextProblem | undefined {
  // A flat line (most of them) has no bracket but its own: nothing nested to walk.
  if (line.indexOf('{', line.indexOf('{') + 1) === -1 && line.indexOf('[') === -1) return undefined;
  const stack: Array<{ value: object; place: Place }> = [];
  let topKeys = 0;
  for (const key in record) {
    topKeys++;
    const value = record[key];
    if (value !== null && typeof value === 'object') stack.push({ value, place: { key } });
  }
  if (stack.length === 0) return undefined;
  let nestedKeys = 0;
  const surrogate = (place: Place): TextProblem => ({ reason: 'invalid_text', message: `field ${pathText(place)} holds a lone UTF-16 surrogate (half of a character)` });
  while (stack.length > 0) {
    const { value, place } = stack.pop()!;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (typeof item === 'string') {
          if (hasLoneSurrogate(item)) return surrogate({ key: i, parent: place });
        } else if (item !== null && typeof item === 'object') stack.push({ value: item, place: { key: i, parent: place } });
      }
      continue;
    }
    const object = value as Record<string, unknown>;
    for (const key in object) {
      nestedKeys++;
      const item = object[key];
      if (hasLoneSurrogate(key) || (typeof item === 'string' && hasLoneSurrogate(item))) return surrogate({ key, parent: place });
      if (item !== null && typeof item === 'object') stack.push({ value: item, place: { key, parent: place } });
    }
  }
  if (keyCountAtAnyDepth(line) !== topKeys + nestedKeys) return { reason: 'duplicate_key', message: 'a key appears more than once in a nested object' };
  return undefined;
}

/** A JSON number's characters, from a given index (sticky). */
const NUMBER = /-?\d[\d.eE+-]*/y;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/**
 * The literal text of the number at `path` (object keys from the top) of a line that parsed as a
 * JSON object without repeated keys; undefined when the path does not lead to a number.
 */
export function numberTextAt(line: string, path: readonly string[]): string | undefined {
  let i = 0;
  const skipSpace = (): void => {
    while (i < line.length && isSpace(line.charCodeAt(i))) i++;
  };
  const stringEnd = (start: number): number => {
    let j = start + 1;
    while (j < line.length && line.charCodeAt(j) !== 0x22) j += line.charCodeAt(j) === 0x5c ? 2 : 1;
    return j + 1;
  };
  const skipValue = (): void => {
    skipSpace();
    const c = line.charCodeAt(i);
    if (c === 0x22) {
      i = stringEnd(i);
      return;
    }
    if (c !== 0x7b && c !== 0x5b) {
      while (i < line.length && !/[,}\]\s]/.test(line[i]!)) i++;
      return;
    }
    let depth = 0;
    do {
      const d = line.charCodeAt(i);
      if (d === 0x22) {
        i = stringEnd(i);
        continue;
      }
      if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) depth--;
      i++;
    } while (depth > 0 && i < line.length);
  };
  for (const key of path) {
    skipSpace();
    if (line[i] !== '{') return undefined;
    i++;
    for (;;) {
      skipSpace();
      if (line[i] !== '"') return undefined;
      const end = stringEnd(i);
      const name = JSON.parse(line.slice(i, end)) as string;
      i = end;
      skipSpace();
      i++; // the colon
      if (name === key) break;
      skipValue();
      skipSpace();
      if (line[i] !== ',') return undefined;
      i++;
    }
  }
  skipSpace();
  NUMBER.lastIndex = i;
  return NUMBER.exec(line)?.[0];
}

/**
 * An integer of the record as DuckDB reads it into a BIGINT: the digits as written (JSON.parse
 * rounds beyond 2^53), or the double's value for a literal with a fraction or an exponent (DuckDB
 * reads those as doubles too). `parsed` is the value JSON.parse gave, a whole number.
 */
export function exactInteger(line: string, path: readonly string[], parsed: number): bigint {
  if (Number.isSafeInteger(parsed)) return BigInt(parsed);
  const text = numberTextAt(line, path);
  return text !== undefined && /^-?\d+$/.test(text) ? BigInt(text) : BigInt(parsed);
}
