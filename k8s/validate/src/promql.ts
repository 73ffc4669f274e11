import { createRequire } from 'node:module';
import type { SyntaxNode } from '@lezer/common';
import type { LRParser } from '@lezer/lr';

/**
 * PromQL read offline with Prometheus' own grammar (@prometheus-io/lezer-promql, the parser of the
 * Prometheus UI): syntax errors, the series selectors with their label matchers, and the
 * aggregations with the labels they keep. Enough to check, without a Prometheus, that an expression
 * parses, names real metrics, filters by the labels a dashboard needs and keeps the labels an alert
 * must carry.
 */

// The package ships a CommonJS build but only ESM type declarations.
const { parser } = createRequire(__filename)('@prometheus-io/lezer-promql') as { parser: LRParser };

export interface LabelMatcher {
  label: string;
  op: string;
  value: string;
}

export interface SeriesSelector {
  /** The metric name, or undefined for `{__name__=~"..."}` and other name-less selectors. */
  metric: string | undefined;
  matchers: LabelMatcher[];
  /** Where `{…}` matchers go: after the metric name, or inside the existing braces. */
  insertAt: number;
  hasBraces: boolean;
}

export interface Aggregation {
  op: string;
  modifier: 'by' | 'without' | undefined;
  labels: string[];
  /** Not nested inside another aggregation: its labels are the expression's result labels. */
  outermost: boolean;
}

export interface ParsedPromql {
  /** The first syntax error, with its column, or undefined when the expression parses. */
  error: string | undefined;
  selectors: SeriesSelector[];
  aggregations: Aggregation[];
}

/** Grafana's interval variables are not PromQL: give them a duration so the rest can be parsed. */
export function withGrafanaIntervals(expr: string): string {
  return expr.replace(/\$__(rate_interval|interval|range)\b|\$\{__(rate_interval|interval|range)\}/g, '5m');
}

export function parsePromql(expr: string): ParsedPromql {
  const tree = parser.parse(expr);
  let error: string | undefined;
  const selectors: SeriesSelector[] = [];
  const aggregations: Aggregation[] = [];
  tree.iterate({
    enter(ref) {
      if (ref.type.isError && error === undefined) {
        const near = expr.slice(Math.max(0, ref.from - 10), ref.from + 10).replace(/\s+/g, ' ');
        error = `syntax error at column ${ref.from + 1} (near "${near}")`;
      }
      if (ref.name === 'VectorSelector') selectors.push(selectorOf(ref.node, expr));
      if (ref.name === 'AggregateExpr') aggregations.push(aggregationOf(ref.node, expr));
    },
  });
  return { error, selectors, aggregations };
}

function selectorOf(node: SyntaxNode, expr: string): SeriesSelector {
  const name = node.getChild('Identifier');
  const braces = node.getChild('LabelMatchers');
  const matchers: LabelMatcher[] = [];
  for (const matcher of [...(braces?.getChildren('UnquotedLabelMatcher') ?? []), ...(braces?.getChildren('QuotedLabelMatcher') ?? [])]) {
    const label = matcher.getChild('LabelName') ?? matcher.getChild('QuotedLabelName');
    const op = matcher.getChild('MatchOp');
    const value = matcher.getChild('StringLiteral');
    if (label && op && value) matchers.push({ label: unquote(text(label, expr)), op: text(op, expr), value: unquote(text(value, expr)) });
  }
  const nameMatcher = matchers.find((m) => m.label === '__name__' && m.op === '=');
  return {
    metric: name ? text(name, expr) : nameMatcher?.value,
    matchers,
    insertAt: braces ? braces.from + 1 : (name?.to ?? node.to),
    hasBraces: braces !== null,
  };
}

function aggregationOf(node: SyntaxNode, expr: string): Aggregation {
  const modifier = node.getChild('AggregateModifier');
  const kind = modifier?.firstChild?.name;
  const labels = (modifier?.getChild('GroupingLabels')?.getChildren('LabelName') ?? []).map((l) => text(l, expr));
  let outermost = true;
  for (let parent = node.parent; parent; parent = parent.parent) if (parent.name === 'AggregateExpr') outermost = false;
  return {
    op: text(node.getChild('AggregateOp') ?? node, expr),
    modifier: kind === 'By' ? 'by' : kind === 'Without' ? 'without' : undefined,
    labels,
    outermost,
  };
}

/**
 * Adds matchers to every series selector of an expression (e.g. `job="$job"`), keeping the rest of
 * the text as written. Selectors that already match the label are left alone.
 */
export function addMatchers(expr: string, matchers: readonly LabelMatcher[]): string {
  const { error, selectors } = parsePromql(expr);
  if (error) throw new Error(`cannot add matchers to an expression that does not parse: ${error}: ${expr}`);
  let result = expr;
  for (const selector of [...selectors].sort((a, b) => b.insertAt - a.insertAt)) {
    const missing = matchers.filter((m) => !selector.matchers.some((existing) => existing.label === m.label));
    if (missing.length === 0) continue;
    const added = missing.map((m) => `${m.label}${m.op}${JSON.stringify(m.value)}`).join(', ');
    const insertion = selector.hasBraces ? (selector.matchers.length > 0 ? `${added}, ` : added) : `{${added}}`;
    result = result.slice(0, selector.insertAt) + insertion + result.slice(selector.insertAt);
  }
  return result;
}

function text(node: SyntaxNode, expr: string): string {
  return expr.slice(node.from, node.to);
}

function unquote(literal: string): string {
  if (/^["'`]/.test(literal)) {
    const body = literal.slice(1, -1);
    return literal.startsWith('`') ? body : body.replace(/\\(.)/g, '$1');
  }
  return literal;
}
