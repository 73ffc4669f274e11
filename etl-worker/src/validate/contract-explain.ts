import type { ErrorObject } from 'ajv';
import type { JsonSchemaNode } from '@spotify-pipeline/shared/table-spec';
import { jsonTypeOf, typeMatches, type JsonType } from './event-validator.js';
import type { TextProblem } from './nested-json-text.js';

/**
 * Why a record failed its contract, in the words EventValidator uses, for contracts with nested
 * objects (table specs): ajv stops at the first failing keyword in schema order, which may be a
 * pattern of one field while another field is missing. As for listening events, a missing required
 * field anywhere outranks a wrong JSON type anywhere (both `breaking_change`: never coerced),
 * which outranks ajv's own first error (`schema_invalid`: a rule of the contract).
 */

/** What the contract allows at one place of the record: JSON types, and for objects their fields. */
export interface ContractShape {
  types: Set<JsonType>;
  properties: Map<string, ContractShape>;
  required: string[];
  items?: ContractShape;
  /** `additionalProperties: false`: a field not in `properties` fails the contract. */
  closed: boolean;
}

const SCALAR_OF: Record<string, JsonType> = { string: 'string', boolean: 'boolean' };

/** The shape of a schema node, `anyOf` branches merged; an `enum`/`const` without `type` allows its values' types. */
export function contractShape(node: JsonSchemaNode): ContractShape {
  const shape: ContractShape = { types: new Set(), properties: new Map(), required: [], closed: node.additionalProperties === false };
  const declared = node.type === undefined ? [] : Array.isArray(node.type) ? node.type : [node.type];
  for (const type of declared) shape.types.add(type as JsonType);
  if (declared.length === 0) {
    const listed = Array.isArray(node.enum) ? node.enum : node.const !== undefined ? [node.const] : [];
    for (const value of listed) shape.types.add(typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : value === null ? 'null' : (SCALAR_OF[typeof value] ?? 'object'));
  }
  if (typeof node.properties === 'object' && node.properties !== null) {
    for (const [name, child] of Object.entries(node.properties as Record<string, JsonSchemaNode>)) shape.properties.set(name, contractShape(child));
  }
  if (Array.isArray(node.required)) shape.required.push(...(node.required as string[]));
  if (typeof node.items === 'object' && node.items !== null) shape.items = contractShape(node.items as JsonSchemaNode);
  for (const branch of Array.isArray(node.anyOf) ? (node.anyOf as JsonSchemaNode[]) : []) {
    const inner = contractShape(branch);
    for (const t of inner.types) shape.types.add(t);
    for (const [name, child] of inner.properties) shape.properties.set(name, child);
    shape.required.push(...inner.required);
    shape.items ??= inner.items;
    shape.closed ||= inner.closed;
  }
  return shape;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** (value, shape, dotted path) of every object and array the contract describes, outermost first. */
function* containers(record: Record<string, unknown>, root: ContractShape): Generator<{ value: unknown; shape: ContractShape; path: string }> {
  const queue: Array<{ value: unknown; shape: ContractShape; path: string }> = [{ value: record, shape: root, path: '' }];
  for (let i = 0; i < queue.length; i++) {
    const next = queue[i]!;
    yield next;
    const { value, shape, path } = next;
    if (Array.isArray(value) && shape.items) value.forEach((item, i) => queue.push({ value: item, shape: shape.items!, path: `${path}[${i}]` }));
    else if (isObject(value)) {
      for (const [name, child] of shape.properties) {
        if (Object.hasOwn(value, name) && (child.properties.size > 0 || child.items)) queue.push({ value: value[name], shape: child, path: path ? `${path}.${name}` : name });
      }
    }
  }
}

function missingField(record: Record<string, unknown>, root: ContractShape): TextProblem | undefined {
  for (const { value, shape, path } of containers(record, root)) {
    if (!isObject(value)) continue;
    const name = shape.required.find((r) => !Object.hasOwn(value, r));
    if (name !== undefined) return { reason: 'breaking_change', message: `required field ${path ? `${path}.${name}` : name} is missing` };
  }
  return undefined;
}

function wrongType(record: Record<string, unknown>, root: ContractShape): TextProblem | undefined {
  for (const { value, shape, path } of containers(record, root)) {
    const members: Array<[string, unknown, ContractShape]> = [];
    if (Array.isArray(value) && shape.items) value.forEach((item, i) => members.push([`${path}[${i}]`, item, shape.items!]));
    else if (isObject(value)) {
      for (const [name, child] of shape.properties) if (Object.hasOwn(value, name)) members.push([path ? `${path}.${name}` : name, value[name], child]);
    }
    for (const [name, member, child] of members) {
      if (typeof member === 'number' && !Number.isFinite(member)) {
        return { reason: 'number_out_of_range', message: `field ${name} is ${String(member)}, beyond what a BIGINT or DOUBLE column holds exactly` };
      }
      const actual = jsonTypeOf(member);
      if (child.types.size > 0 && !typeMatches(actual, child.types)) return { reason: 'breaking_change', message: `field ${name} is ${actual}, the contract says ${[...child.types].join(' or ')}` };
    }
  }
  return undefined;
}

/** `/page/url` → `page.url`, `/tags/0` → `tags[0]`; the root is "the record". */
function fieldOf(instancePath: string, member?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (member !== undefined) parts.push(member);
  const text = parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
  return text ? `field ${text.slice(0, 128)}` : 'the record';
}

/** The reason and message of a record the compiled contract refused; `errors` are ajv's (allErrors off: one). */
export function explainRejection(record: Record<string, unknown>, shape: ContractShape, errors: ErrorObject[] | null | undefined): TextProblem {
  const found = missingField(record, shape) ?? wrongType(record, shape);
  if (found) return found;
  const error = errors?.[0];
  if (!error) return { reason: 'schema_invalid', message: 'the record is invalid' };
  switch (error.keyword) {
    case 'required':
      return { reason: 'breaking_change', message: `required ${fieldOf(error.instancePath, String(error.params.missingProperty))} is missing` };
    case 'type':
      return { reason: 'breaking_change', message: `${fieldOf(error.instancePath)} ${error.message ?? 'has another type'}` };
    case 'additionalProperties':
      return { reason: 'unsupported_field', message: `unknown ${fieldOf(error.instancePath, String(error.params.additionalProperty))}: the contract allows no other fields there` };
    case 'enum': {
      const allowed = (error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return { reason: 'schema_invalid', message: `${fieldOf(error.instancePath)} must be one of ${allowed.slice(0, 200)}` };
    }
    default:
      return { reason: 'schema_invalid', message: `${fieldOf(error.instancePath)} ${error.message ?? 'is invalid'}` };
  }
}
