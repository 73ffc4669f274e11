import { PipelineError } from '@spotify-pipeline/shared/errors';
import type { JsonSchemaNode, ResolvedTableSpec } from '@spotify-pipeline/shared/table-spec';
import { CanonicalLineMatcher, type ObjectSchema } from '@spotify-pipeline/shared/schemas';
import { fieldPartitionsOf } from './field-partition-key.js';
import { RECORD_FORMATS } from './record-formats.js';

/**
 * The canonical-line fast path of a spec table: CanonicalLineMatcher generated from the spec's
 * contract, capturing only the fields SpecRecordValidator computes from (event time, dedup key,
 * field-partition sources, normalised fields). A match gives the record of those fields as
 * JSON.parse would give them, and the validator computes the event time, event id and partition
 * key from it with the very functions of its full path, so the two cannot compute differently.
 *
 * Where it cannot be exact it is not there, and a line it does not vouch for takes the full path:
 * - a nested object or array field: a required one leaves the table without a fast path, an
 *   optional one is left out of the expression, so a line carrying it takes the full path;
 * - a dropped field (drop_fields, personal data) is left out of the expression, so a line carrying
 *   it takes the full path, which removes it; a required dropped field leaves no fast path;
 * - a normalised field is vouched for only when its value is already what the normaliser makes of
 *   it (`upper` of `SE` is `SE`): the fast path never changes a value, `se` takes the full path;
 * - unknown fields (new columns, or strict's rejection) are never on it: the key set is exact;
 * - an optional first field, or a keyword the matcher has no rule for, leaves no fast path.
 */

/** One of the validator's normalisers: the field it rewrites and how (DuckDB's upper/lower/trim). */
export interface Normaliser {
  path: readonly string[];
  normalise: (text: string) => string;
}

export interface SpecCanonicalLine {
  /** The record of the captured fields when the line is canonical and valid; undefined: validate it in full. */
  match(line: string): Record<string, unknown> | undefined;
}

const CONTAINER_KEYWORDS = ['properties', 'items', 'additionalProperties', 'minItems', 'maxItems', 'uniqueItems'];

/** An object or array may be the value (any branch). */
function holdsContainer(node: JsonSchemaNode): boolean {
  const types = node.type === undefined ? [] : Array.isArray(node.type) ? node.type : [node.type];
  if (types.includes('object') || types.includes('array') || CONTAINER_KEYWORDS.some((key) => Object.hasOwn(node, key))) return true;
  return Array.isArray(node.anyOf) && (node.anyOf as JsonSchemaNode[]).some(holdsContainer);
}

/** The fast path of `spec`, or why it has none. `normalisers`: the validator's own (the SQL's rule of which column takes which). */
export function specCanonicalLine(spec: ResolvedTableSpec, normalisers: readonly Normaliser[]): { fastPath: SpecCanonicalLine } | { unavailable: string } {
  const schema = spec.recordSchema as ObjectSchema & Record<string, unknown>;
  const required = new Set(schema.required ?? []);
  const dropped = new Set(spec.dropFields);
  const kept: Record<string, JsonSchemaNode> = {};
  for (const [name, node] of Object.entries((schema.properties ?? {}) as Record<string, JsonSchemaNode>)) {
    const leftOut = dropped.has(name) ? 'a dropped field' : holdsContainer(node) ? 'an object or array' : undefined;
    if (leftOut === undefined) kept[name] = node;
    else if (required.has(name)) return { unavailable: `field ${name} is required and ${leftOut}` };
  }
  const topLevel = (path: readonly string[]): string[] => (path.length === 1 && Object.hasOwn(kept, path[0]!) ? [path[0]!] : []);
  const columnPath = (column: string): readonly string[] => spec.recordColumns.find((c) => c.name === column)?.path ?? [];
  const normal = normalisers.flatMap(({ path, normalise }) => topLevel(path).map((name) => ({ name, normalise })));
  const capture = [
    ...new Set([
      ...topLevel(spec.eventTime?.path ?? []),
      ...topLevel(spec.dedupKey?.path ?? []),
      ...fieldPartitionsOf(spec).flatMap((p) => topLevel(columnPath(p.column))),
      ...normal.map((n) => n.name),
    ]),
  ];
  let matcher: CanonicalLineMatcher;
  try {
    matcher = new CanonicalLineMatcher({ ...schema, properties: kept }, { capture, formats: RECORD_FORMATS });
  } catch (err) {
    if (err instanceof PipelineError && err.code === 'INTERNAL') return { unavailable: err.message };
    throw err;
  }
  const checks = normal.map(({ name, normalise }) => ({ index: capture.indexOf(name), normalise }));
  return {
    fastPath: {
      match(line) {
        const values = matcher.match(line);
        if (!values) return undefined;
        for (const { index, normalise } of checks) {
          const value = values[index];
          if (typeof value === 'string' && normalise(value) !== value) return undefined;
        }
        const record: Record<string, unknown> = {};
        for (let i = 0; i < capture.length; i++) if (values[i] !== undefined) record[capture[i]!] = values[i];
        return record;
      },
    },
  };
}
