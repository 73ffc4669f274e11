import type { z } from 'zod';
import { envVariables, readableAmount, type EnvVariable } from './env-variables.js';

/** `integer >= 1, ms; default 5000 (5 s)` */
export function variableSummary(variable: EnvVariable): string {
  const type = variable.unit ? `${variable.type}, ${variable.unit}` : variable.type;
  if (variable.required) return `${type}; required`;
  if (variable.defaultValue === undefined) return `${type}; unset by default`;
  const readable = readableAmount(variable.defaultValue, variable.unit);
  return `${type}; default ${variable.defaultValue}${readable ? ` (${readable})` : ''}`;
}

/**
 * The variables part of a service's `--help`: generated from the schema the service parses, like
 * docs/configuration.md, so what `--help` says is what the loader reads.
 */
export function configHelp(schema: z.ZodObject): string {
  const lines = ['Environment variables (read once at start; a bad value exits 78 naming the variable):'];
  for (const variable of envVariables(schema)) {
    lines.push(`  ${variable.name}  ${variableSummary(variable)}`);
    if (variable.description) lines.push(`      ${variable.description}`);
  }
  lines.push('', 'Also read: PIPELINE_FAULT_POINTS (tests only) and the AWS SDK\'s AWS_* credentials. Every variable: docs/configuration.md.');
  return `${lines.join('\n')}\n`;
}
