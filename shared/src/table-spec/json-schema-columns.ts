import type { LakeType } from '../schemas/lake-columns.js';

/**
 * The lake columns a record contract (a JSON Schema, draft 2020-12) implies, for the subset of JSON
 * Schema a table spec may use. Every keyword outside that subset is an error naming it, so a
 * contract cannot say more than the pipeline checks (docs/table-specs.md, "Record contract").
 *
 * - `string` → string; `format: date-time` → timestamp; `format: date` → date
 * - `integer` → bigint; `number` → double; `const`/`enum` of integers only → int; `boolean` → boolean
 * - an `object` with `properties` is flattened: `page: {url}` becomes the column `page_url`
 *   (Kafka Connect's Flatten does the same), so every lake column is a scalar with min/max bounds
 *   Iceberg prunes on; an object without `properties`, and an `array`, become a string column
 *   holding the value's JSON text.
 * A column is nullable when its field, or any object around it, is optional or allows `null`.
 */

export interface JsonSchemaNode {
  [keyword: string]: unknown;
}

/** Where a column's value comes from in the record. */
export interface RecordColumn {
  /** Lake column name: the field path, lower-cased, joined with `_`. */
  name: string;
  type: LakeType;
  nullable: boolean;
  comment?: string;
  /** The keys leading to the value in the record, as the record spells them. */
  path: string[];
  /** The value is an object or array kept as its JSON text. */
  json: boolean;
  /** The values the schema allows (`enum`/`const`, or true/false), when it lists them. */
  values?: ReadonlyArray<string | number | boolean>;
}

/** One problem of a contract, at a JSON pointer inside it. */
export interface SchemaProblem {
  pointer: string;
  problem: string;
  fix: string;
}

const ANNOTATIONS = new Set(['$schema', '$id', '$comment', 'title', 'description', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly']);
const CHECKS = new Set(['minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minItems', 'maxItems', 'uniqueItems']);
const STRUCTURE = new Set(['type', 'anyOf', 'enum', 'const', 'format', 'properties', 'required', 'additionalProperties', 'items']);
/** Formats the pipeline checks; another format would be accepted unchecked, so it is refused. */
const FORMATS = new Set(['date-time', 'date', 'email', 'uri', 'uuid']);
const SCALAR_TYPES = new Set(['string', 'integer', 'number', 'boolean']);

const COLUMN_NAME = /^[a-z][a-z0-9_]{0,62}$/;

const escapePointer = (key: string): string => key.replaceAll('~', '~0').replaceAll('/', '~1');

interface Shape {
  types: Set<string>;
  nullable: boolean;
  values?: Array<string | number | boolean>;
  format?: string;
  properties?: Record<string, JsonSchemaNode>;
  required: Set<string>;
  description?: string;
}

/** The types, values and properties a node allows, `anyOf` branches merged; problems for keywords outside the subset. */
function shapeOf(node: JsonSchemaNode, pointer: string, problems: SchemaProblem[]): Shape {
  const shape: Shape = { types: new Set(), nullable: false, required: new Set() };
  if (typeof node !== 'object' || node === null || Array.isArray(node)) {
    problems.push({ pointer, problem: 'is not a schema object', fix: 'write an object such as {"type": "string"}' });
    return shape;
  }
  for (const keyword of Object.keys(node)) {
    if (!ANNOTATIONS.has(keyword) && !CHECKS.has(keyword) && !STRUCTURE.has(keyword)) {
      problems.push({ pointer: `${pointer}/${escapePointer(keyword)}`, problem: `keyword ${keyword} is not supported`, fix: `use type, properties, required, anyOf, enum, const, format and the min/max/pattern checks (docs/table-specs.md)` });
    }
  }
  if (typeof node.description === 'string') shape.description = node.description;
  const declared = node.type === undefined ? [] : Array.isArray(node.type) ? node.type : [node.type];
  for (const type of declared) {
    if (type === 'null') shape.nullable = true;
    else if (typeof type === 'string' && (SCALAR_TYPES.has(type) || type === 'object' || type === 'array')) shape.types.add(type);
    else problems.push({ pointer: `${pointer}/type`, problem: `type ${JSON.stringify(type)} is not a JSON Schema type`, fix: 'use string, integer, number, boolean, object, array or null' });
  }
  const listed = node.enum !== undefined ? node.enum : node.const !== undefined ? [node.const] : undefined;
  if (listed !== undefined) {
    if (!Array.isArray(listed) || listed.length === 0) problems.push({ pointer: `${pointer}/enum`, problem: 'enum must list at least one value', fix: 'list the values, or drop enum' });
    else {
      shape.values = [];
      for (const value of listed) {
        if (value === null) shape.nullable = true;
        else if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) shape.values.push(value);
        else problems.push({ pointer: `${pointer}/enum`, problem: `value ${JSON.stringify(value)} is not a scalar`, fix: 'enum and const values must be strings, numbers, booleans or null' });
      }
      if (declared.length === 0) for (const value of shape.values) shape.types.add(typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : typeof value);
    }
  }
  if (node.format !== undefined) {
    if (typeof node.format !== 'string' || !FORMATS.has(node.format)) {
      problems.push({ pointer: `${pointer}/format`, problem: `format ${JSON.stringify(node.format)} is not checked by the pipeline`, fix: `use one of ${[...FORMATS].join(', ')}, or a pattern` });
    } else shape.format = node.format;
  }
  if (node.properties !== undefined) {
    if (typeof node.properties !== 'object' || node.properties === null || Array.isArray(node.properties)) problems.push({ pointer: `${pointer}/properties`, problem: 'properties must be an object', fix: 'map each field name to its schema' });
    else shape.properties = node.properties as Record<string, JsonSchemaNode>;
  }
  if (node.required !== undefined) {
    if (!Array.isArray(node.required) || !node.required.every((r) => typeof r === 'string')) problems.push({ pointer: `${pointer}/required`, problem: 'required must be a list of field names', fix: 'write ["field", ...]' });
    else shape.required = new Set(node.required);
  }
  if (node.anyOf !== undefined) {
    if (!Array.isArray(node.anyOf)) problems.push({ pointer: `${pointer}/anyOf`, problem: 'anyOf must be a list of schemas', fix: 'write [{...}, {...}]' });
    else {
      node.anyOf.forEach((branch, i) => {
        const inner = shapeOf(branch as JsonSchemaNode, `${pointer}/anyOf/${i}`, problems);
        shape.nullable ||= inner.nullable;
        for (const t of inner.types) shape.types.add(t);
        if (inner.values) shape.values = [...(shape.values ?? []), ...inner.values];
        else if (inner.types.size > 0) shape.values = undefined;
        shape.format ??= inner.format;
        if (inner.properties) shape.properties = { ...shape.properties, ...inner.properties };
        for (const r of inner.required) shape.required.add(r);
        shape.description ??= inner.description;
      });
      // A branch without listed values makes the whole set open.
      if (node.anyOf.some((b) => typeof b === 'object' && b !== null && (b as JsonSchemaNode).enum === undefined && (b as JsonSchemaNode).const === undefined && (b as JsonSchemaNode).type !== 'null')) shape.values = undefined;
    }
  }
  return shape;
}

/** The lake type of a scalar shape, or a problem. */
function scalarType(shape: Shape, pointer: string, problems: SchemaProblem[]): LakeType | undefined {
  const types = [...shape.types];
  if (types.length === 0) {
    // A type that is not a JSON Schema type was reported already: one line per mistake.
    if (problems.some((p) => p.pointer.startsWith(`${pointer}/`))) return undefined;
    problems.push({ pointer, problem: 'has no type', fix: 'give it a type (string, integer, number, boolean, object, array), an enum or a const' });
    return undefined;
  }
  const numeric = types.every((t) => t === 'integer' || t === 'number');
  if (numeric) {
    if (shape.values && shape.values.every((v) => typeof v === 'number' && Number.isInteger(v))) return 'int';
    return types.includes('number') ? 'double' : 'bigint';
  }
  if (types.length > 1) {
    problems.push({ pointer, problem: `allows ${types.join(' and ')}: a column has one type`, fix: 'allow one type (and null), or keep the field as text with type: string' });
    return undefined;
  }
  if (types[0] === 'boolean') return 'boolean';
  if (shape.format === 'date-time') return 'timestamp_ms';
  if (shape.format === 'date') return 'date';
  return 'string';
}

/**
 * The columns of a record contract, in the order of its properties (depth first for nested
 * objects): that order is the table's column order and so its Iceberg field ids.
 */
export function recordColumnsOf(schema: JsonSchemaNode): { columns: RecordColumn[]; problems: SchemaProblem[] } {
  const problems: SchemaProblem[] = [];
  const columns: RecordColumn[] = [];
  const root = shapeOf(schema, '', problems);
  if (!root.types.has('object') || root.types.size !== 1 || !root.properties) {
    problems.push({ pointer: '', problem: 'the record is not an object with properties', fix: 'write {"type": "object", "properties": {...}, "required": [...]}' });
    return { columns, problems };
  }
  const seen = new Map<string, string>();
  const walk = (shape: Shape, path: string[], pointer: string, parentNullable: boolean): void => {
    for (const [key, node] of Object.entries(shape.properties ?? {})) {
      const childPointer = `${pointer}/properties/${escapePointer(key)}`;
      const child = shapeOf(node, childPointer, problems);
      const childPath = [...path, key];
      const nullable = parentNullable || child.nullable || !shape.required.has(key);
      const name = childPath.map((k) => k.toLowerCase()).join('_');
      if (child.types.has('object') && child.types.size === 1 && child.properties && Object.keys(child.properties).length > 0) {
        walk(child, childPath, childPointer, nullable);
        continue;
      }
      if (!COLUMN_NAME.test(name)) {
        problems.push({ pointer: childPointer, problem: `field ${childPath.join('.')} would be the column ${JSON.stringify(name)}, which is not a valid column name`, fix: 'column names are lower-case letters, digits and _ starting with a letter: rename the field, or drop it (drop_fields)' });
        continue;
      }
      const clash = seen.get(name);
      if (clash !== undefined) {
        problems.push({ pointer: childPointer, problem: `field ${childPath.join('.')} and field ${clash} both become the column ${name}`, fix: 'rename one of them, or drop one (drop_fields)' });
        continue;
      }
      seen.set(name, childPath.join('.'));
      const json = child.types.has('array') || child.types.has('object');
      if (json && child.types.size > 1) {
        problems.push({ pointer: childPointer, problem: `allows ${[...child.types].join(' and ')}: a column has one type`, fix: 'allow one type (and null)' });
        continue;
      }
      const type = json ? 'string' : scalarType(child, childPointer, problems);
      if (!type) continue;
      const values = child.values ?? (type === 'boolean' ? [true, false] : undefined);
      columns.push({ name, type, nullable, path: childPath, json, ...(child.description ? { comment: child.description } : {}), ...(values ? { values } : {}) });
    }
  };
  walk(root, [], '', false);
  return { columns, problems };
}
