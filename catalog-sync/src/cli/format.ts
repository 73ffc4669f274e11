import type { Cell, QueryResult } from '../queries/query-engine.js';
import { displayWidth, padEndToWidth, padStartToWidth } from '@spotify-pipeline/shared/text';

export const OUTPUT_FORMATS = ['table', 'csv', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const text = (cell: Cell): string => (cell === null ? '' : String(cell));

/**
 * A fixed-width table: numbers right-aligned, the rest left-aligned, as psql prints it. Widths are
 * terminal columns, not string lengths, so CJK and emoji track names keep the columns aligned.
 */
export function formatTable(result: QueryResult): string {
  const names = result.columns.map((c) => c.name);
  const cells = result.rows.map((row) => names.map((n) => text(row[n] ?? null)));
  const widths = names.map((n, i) => Math.max(displayWidth(n), ...cells.map((r) => displayWidth(r[i]!))));
  const numeric = names.map((n) => result.rows.length > 0 && result.rows.every((r) => r[n] === null || typeof r[n] === 'number'));
  const line = (values: string[], header = false): string =>
    values
      .map((v, i) => (numeric[i] && !header ? padStartToWidth(v, widths[i]!) : padEndToWidth(v, widths[i]!)))
      .join(' | ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('-+-');
  const footer = `(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})`;
  return [line(names, true), rule, ...cells.map((c) => line(c)), footer].join('\n') + '\n';
}

/** RFC 4180 CSV: a field is quoted when it holds a comma, a quote or a line break. */
export function formatCsv(result: QueryResult): string {
  const field = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  const names = result.columns.map((c) => c.name);
  const lines = [names.map(field).join(','), ...result.rows.map((row) => names.map((n) => field(text(row[n] ?? null))).join(','))];
  return lines.join('\r\n') + '\r\n';
}

export function formatJson(result: QueryResult): string {
  return JSON.stringify(result.rows, null, 2) + '\n';
}

export function formatResult(result: QueryResult, format: OutputFormat): string {
  if (format === 'csv') return formatCsv(result);
  if (format === 'json') return formatJson(result);
  return formatTable(result);
}
