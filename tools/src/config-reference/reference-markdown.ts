import { envVariables, readableAmount, type EnvVariable } from '@spotify-pipeline/shared/config';
import type { ServiceConfig } from './service-configs.js';

/** A table cell: a `|` would end the cell and a line break the row. */
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

function defaultCell(variable: EnvVariable): string {
  if (variable.required) return '**required**';
  if (variable.defaultValue === undefined) return 'unset';
  const readable = readableAmount(variable.defaultValue, variable.unit);
  return `\`${variable.defaultValue}\`${readable ? ` (${readable})` : ''}`;
}

function serviceSection({ service, role, schema }: ServiceConfig): string[] {
  const variables = envVariables(schema);
  return [
    `### ${service}`,
    '',
    `${role[0]!.toUpperCase()}${role.slice(1)}. ${variables.length} variables; \`${service} --help\` prints the same list.`,
    '',
    '| variable | type | default | unit | description |',
    '|---|---|---|---|---|',
    ...variables.map((v) => `| \`${v.name}\` | ${cell(v.type)} | ${defaultCell(v)} | ${v.unit ?? ''} | ${cell(v.description)} |`),
    '',
  ];
}

/**
 * The generated part of docs/configuration.md: one table per service with every variable its
 * schema reads, in schema order, from the same walk as `--help`.
 */
export function referenceMarkdown(services: readonly ServiceConfig[]): string {
  const distinct = new Set(services.flatMap(({ schema }) => envVariables(schema).map((v) => v.name)));
  const lines = [
    `${distinct.size} distinct variables across ${services.length} services. Groups shared by several services (\`KAFKA_*\`,`,
    '`S3_*`, `TOPICS_*`, `STORAGE_*`, `HTTP_PORT`, `LOG_LEVEL`) repeat in each table, since defaults can differ.',
    '',
    ...services.flatMap(serviceSection),
  ];
  return lines.join('\n');
}
