import { z } from 'zod';
import { envName } from './load-config.js';
import { descriptionOf, unwrap } from './schema-fields.js';

/** One environment variable a config schema reads: what `--help` prints and docs/configuration.md lists. */
export interface EnvVariable {
  name: string;
  /** The field in the parsed config, e.g. ['sink', 'maxBatchBytes']. */
  path: string[];
  /** How the value is read: `string`, `boolean`, `list`, `integer >= 1`, `rest | glue`, ... */
  type: string;
  /** From the field's name (`…Ms`, `…Bytes`, `…Mb`), so a number is never read in the wrong unit. */
  unit: 'ms' | 'bytes' | 'MiB' | undefined;
  /** Startup fails when unset. */
  required: boolean;
  /** The value used when unset, as written in the environment; undefined when the setting stays unset. */
  defaultValue: string | undefined;
  description: string;
}

const UNITS: ReadonlyArray<[RegExp, NonNullable<EnvVariable['unit']>]> = [
  [/Ms$/, 'ms'],
  [/Bytes$/, 'bytes'],
  [/Mb$/, 'MiB'],
];

/**
 * Every variable `loadConfig(schema, env)` reads, in schema order. It walks the shape as
 * load-config's `collect` does (a nested object is a group whose key prefixes its variables) and
 * names each with the same `envName`, so the reference and `--help` cannot list a variable the
 * loader would not read, or miss one it does.
 */
export function envVariables(schema: z.ZodObject): EnvVariable[] {
  return walk(schema.shape, [], undefined);
}

function walk(shape: z.ZodRawShape, prefix: string[], groupDefaults: Record<string, unknown> | undefined): EnvVariable[] {
  const variables: EnvVariable[] = [];
  for (const [key, value] of Object.entries(shape)) {
    const field = value as z.ZodType;
    const inner = unwrap(field);
    const path = [...prefix, key];
    if (inner instanceof z.ZodObject) {
      variables.push(...walk(inner.shape, path, objectOrUndefined(groupDefaults?.[key]) ?? defaultsOf(field)));
      continue;
    }
    // A group's own default (`http: httpSettingsSchema.prefault({ port: '9461' })`) decides the
    // value of its untouched fields, not the field's default inside the shared schema.
    const unset = groupDefaults ? { success: true as const, data: groupDefaults[key] } : field.safeParse(undefined);
    const unit = UNITS.find(([pattern]) => pattern.test(key))?.[1];
    variables.push({
      name: envName(path),
      path,
      type: typeOf(inner),
      unit,
      required: !unset.success,
      defaultValue: unset.success ? render(unset.data) : undefined,
      description: descriptionOf(field) ?? '',
    });
  }
  return variables;
}

/** What a group holds when none of its variables is set, if it may be left unset at all. */
function defaultsOf(field: z.ZodType): Record<string, unknown> | undefined {
  const unset = field.safeParse(undefined);
  return unset.success ? objectOrUndefined(unset.data) : undefined;
}

function objectOrUndefined(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** A parsed default written back as it would be set in the environment. */
function render(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

function typeOf(schema: z.ZodType): string {
  if (schema instanceof z.ZodPipe) {
    // z.stringbool() and envList are pipes from the string in the environment to what the code gets.
    const out = unwrap(schema.out as z.ZodType);
    if (out instanceof z.ZodArray) return 'list';
    return typeOf(out);
  }
  if (schema instanceof z.ZodBoolean) return 'boolean';
  if (schema instanceof z.ZodEnum) return schema.options.join(' | ');
  if (schema instanceof z.ZodNumber) return numberType(schema);
  if (schema instanceof z.ZodISODateTime) return 'ISO 8601 UTC time';
  if (schema instanceof z.ZodString) return 'string';
  return schema._zod.def.type;
}

interface BoundCheck {
  check: string;
  value?: number;
  inclusive?: boolean;
}

function numberType(schema: z.ZodNumber): string {
  const name = schema.isInt ? 'integer' : 'number';
  let min: BoundCheck | undefined;
  let max: BoundCheck | undefined;
  for (const check of schema._zod.def.checks ?? []) {
    const def = check._zod.def as BoundCheck;
    if (def.check === 'greater_than') min = def;
    if (def.check === 'less_than') max = def;
  }
  if (min?.inclusive && max?.inclusive) return `${name} ${min.value}..${max.value}`;
  const bounds = [min && `${min.inclusive ? '>=' : '>'} ${min.value}`, max && `${max.inclusive ? '<=' : '<'} ${max.value}`].filter(Boolean);
  return bounds.length > 0 ? `${name} ${bounds.join(', ')}` : name;
}

const DURATIONS: ReadonlyArray<[number, string]> = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'min'],
  [1_000, 's'],
];
const SIZES: ReadonlyArray<[number, string]> = [
  [1024 ** 3, 'GiB'],
  [1024 ** 2, 'MiB'],
  [1024, 'KiB'],
];

/** `900000` ms → `15 min`, `33554432` bytes → `32 MiB`; undefined when no larger unit divides it. */
export function readableAmount(value: string, unit: EnvVariable['unit']): string | undefined {
  const n = Number(value);
  const scale = unit === 'ms' ? DURATIONS : unit === 'bytes' ? SIZES : [];
  if (!Number.isInteger(n) || n <= 0) return undefined;
  const fit = scale.find(([size]) => n % size === 0);
  return fit ? `${n / fit[0]} ${fit[1]}` : undefined;
}
