import type { Cell } from '../queries/query-engine.js';

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint']);
const FLOAT_TYPES = new Set(['double', 'float', 'real', 'decimal']);

/**
 * Athena returns every value as text; this types it from the column metadata. A missing
 * VarCharValue is SQL NULL. Integers beyond 2^53 stay strings rather than lose digits.
 */
export function typedCell(value: string | undefined, type: string): Cell {
  if (value === undefined) return null;
  const base = type.toLowerCase().replace(/\(.*$/, '');
  if (INTEGER_TYPES.has(base)) {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  }
  if (FLOAT_TYPES.has(base)) return Number(value);
  if (base === 'boolean') return value === 'true';
  return value;
}
