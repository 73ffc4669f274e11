import { z } from 'zod';
import { PipelineError } from '../errors/index.js';
import { descriptionOf, unwrap } from './schema-fields.js';

export type Env = Record<string, string | undefined>;

/** `maxBatchBytes` → `MAX_BATCH_BYTES`; nested groups prefix their key: `kafka.brokers` → `KAFKA_BROKERS`. */
export function envName(path: readonly PropertyKey[]): string {
  return path
    .map((part) => String(part).replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase())
    .join('_');
}

/** Builds the raw input object from env, following the schema's shape (nested objects are groups). */
function collect(shape: z.ZodRawShape, env: Env, prefix: string[]): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(shape)) {
    const inner = unwrap(field as z.ZodType);
    if (inner instanceof z.ZodObject) {
      const group = collect(inner.shape, env, [...prefix, key]);
      // An untouched group with its own default keeps that default (e.g. a service's HTTP port);
      // a required group gets {} so each missing variable is reported by name.
      const hasDefault = field instanceof z.ZodDefault || field instanceof z.ZodPrefault || field instanceof z.ZodOptional;
      if (Object.keys(group).length > 0 || !hasDefault) raw[key] = group;
    } else {
      const value = env[envName([...prefix, key])];
      if (value !== undefined && value !== '') raw[key] = value;
    }
  }
  return raw;
}

function fieldAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let current: z.ZodType | undefined = schema;
  for (const part of path) {
    const inner: z.ZodType | undefined = current ? unwrap(current) : undefined;
    if (!(inner instanceof z.ZodObject)) return current;
    current = inner.shape[String(part)] as z.ZodType | undefined;
  }
  return current;
}

function describeIssue(schema: z.ZodType, env: Env, issue: z.core.$ZodIssue): string {
  const name = envName(issue.path);
  const field = fieldAt(schema, issue.path);
  const description = descriptionOf(field);
  const fix = description ? ` Fix: set ${name} — ${description}.` : '';
  const value = env[name];
  if (value === undefined || value === '') {
    if (issue.code === 'invalid_type') return `${name} is required but not set.${fix}`;
    return `${name}: ${issue.message}.${fix}`;
  }
  const shown = /SECRET|PASSWORD|TOKEN|CREDENTIAL/.test(name) ? '<redacted>' : JSON.stringify(value);
  return `${name}=${shown} is invalid: ${issue.message}.${fix}`;
}

/**
 * Parses env into a typed config, once, at start. A bad or missing value throws a CONFIG_INVALID
 * error whose message names the variable and the fix, so main.ts can print it and exit before
 * any connection is opened.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: Env): z.output<S> {
  const result = schema.safeParse(collect(schema.shape, env, []));
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => describeIssue(schema, env, issue));
  throw new PipelineError('CONFIG_INVALID', `Invalid configuration: ${problems.join(' ')}`, {
    details: { variables: result.error.issues.map((issue) => envName(issue.path)) },
  });
}
