import { displayWidth, padEndToWidth } from '@spotify-pipeline/shared/text';
import type { StatsReport } from './listening-stats.js';
import type { FigureDefinition, MeasuredFigure } from './published-figures.js';

const pad2 = (n: number): string => String(n).padStart(2, '0');

function format(unit: FigureDefinition['unit'], value: number): string {
  switch (unit) {
    case 'share':
      return `${(100 * value).toFixed(1)}%`;
    case 'count':
      return Math.round(value).toLocaleString('en-US');
    case 'hour':
      return Number.isInteger(value) ? `${pad2(value)}:00` : `${pad2(Math.floor(value))}–${pad2(Math.ceil(value))}`;
    case 'hours':
      return `${value.toFixed(2)} h`;
    default:
      return value.toFixed(2);
  }
}

function target(definition: FigureDefinition): string {
  switch (definition.comparison) {
    case 'above-one':
      return '> 1';
    case 'below-one':
      return '< 1';
    case 'zero':
      return format(definition.unit, 0);
    default:
      return format(definition.unit, definition.target);
  }
}

const withinText = (figure: MeasuredFigure): string => (figure.within === null ? '—' : figure.within ? 'yes' : 'NO');

/** The report as a table for a terminal: figure, target, value, within ±20% (or the stated direction), basis, note. */
export function renderText(report: StatsReport, source: string): string {
  const rows = report.figures.map((f) => [f.definition.id, f.definition.published, target(f.definition), f.value === null ? '—' : format(f.definition.unit, f.value), withinText(f), f.basis.toLocaleString('en-US'), f.note ?? '']);
  const header = ['figure', 'published (docs/spotify-data.md)', 'target', 'value', 'within', 'basis', 'note'];
  const widths = header.map((h, c) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[c]!))));
  const line = (cells: string[]): string => cells.map((cell, c) => (c === cells.length - 1 ? cell : padEndToWidth(cell, widths[c]!))).join('  ').trimEnd();
  const shown = report.figures.filter((f) => f.within !== null);
  const out = [
    `${source}: ${report.events.toLocaleString('en-US')} events, ${report.musicPlays.toLocaleString('en-US')} music plays`,
    '',
    line(header),
    ...rows.map(line),
    '',
    `within: ${shown.filter((f) => f.within).length} of ${shown.length} figures shown (±20% of the published value, or the direction it states)`,
    '',
    ...report.context.map((c) => `${c.label}: ${c.value === null ? '—' : Number.isInteger(c.value) ? c.value.toLocaleString('en-US') : c.value.toFixed(3)}`),
  ];
  return `${out.join('\n')}\n`;
}

export function renderJson(report: StatsReport, source: string): string {
  return `${JSON.stringify(
    {
      source,
      events: report.events,
      musicPlays: report.musicPlays,
      figures: report.figures.map((f) => ({ id: f.definition.id, published: f.definition.published, source: f.definition.source, measure: f.definition.measure, target: f.definition.target, comparison: f.definition.comparison, value: f.value, within: f.within, basis: f.basis, note: f.note ?? null })),
      context: report.context,
    },
    null,
    2,
  )}\n`;
}
