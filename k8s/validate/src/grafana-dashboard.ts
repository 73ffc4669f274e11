import { readFileSync } from 'node:fs';
import { finding, type Finding } from './findings.js';
import { parsePromql, withGrafanaIntervals } from './promql.js';
import type { Obj } from './rendered-objects.js';

/**
 * The Grafana dashboard must work against any Prometheus holding any number of releases:
 * - the data source is a variable (`${datasource}`), never a uid of one Grafana's data source, so
 *   the same JSON imports into Amazon Managed Grafana or any other instance;
 * - `namespace` and `job` variables exist, and every series selector of every query matches both,
 *   so two releases scraped by one Prometheus are never summed into one panel;
 * - every query parses as PromQL.
 */
const DATASOURCE_VARIABLE = /^\$\{?datasource\}?$/;
const FILTERS = ['namespace', 'job'];

export function checkGrafanaDashboard(file: string): { covered: number; findings: Finding[] } {
  const findings: Finding[] = [];
  const problem = (message: string) => findings.push(finding('grafana dashboard', file, message));
  let dashboard: Obj;
  try {
    dashboard = JSON.parse(readFileSync(file, 'utf8')) as Obj;
  } catch (error) {
    problem(`does not parse: ${(error as Error).message}`);
    return { covered: 0, findings };
  }
  const variables = (dashboard.templating?.list ?? []) as Obj[];
  const datasource = variables.find((v) => v.type === 'datasource');
  if (!datasource || datasource.name !== 'datasource' || datasource.query !== 'prometheus') problem('needs a datasource variable named datasource (type datasource, query prometheus)');
  for (const name of FILTERS) {
    const variable = variables.find((v) => v.name === name);
    if (!variable || variable.type !== 'query') problem(`needs a query variable ${name}`);
    else if (variable.includeAll || variable.multi) problem(`variable ${name} must select one value: "All" would sum releases together`);
  }
  for (const { path, value } of datasourceReferences(dashboard)) {
    const uid = typeof value === 'string' ? value : value?.uid;
    if (typeof uid !== 'string' || !DATASOURCE_VARIABLE.test(uid)) problem(`${path}: data source ${JSON.stringify(value)} is hard-coded; use {"type": "prometheus", "uid": "\${datasource}"}`);
  }
  let covered = 0;
  for (const panel of panelsOf(dashboard.panels ?? [])) {
    for (const target of (panel.targets ?? []) as Obj[]) {
      if (typeof target.expr !== 'string') continue;
      covered += 1;
      const where = `panel "${panel.title}" query ${target.refId ?? '?'}`;
      const parsed = parsePromql(withGrafanaIntervals(target.expr));
      if (parsed.error) {
        problem(`${where}: ${parsed.error}`);
        continue;
      }
      for (const selector of parsed.selectors) {
        const missing = FILTERS.filter((label) => !selector.matchers.some((m) => m.label === label && (m.op === '=' || m.op === '=~') && new RegExp(`^\\$\\{?${label}(:\\w+)?\\}?$`).test(m.value)));
        if (missing.length > 0) problem(`${where}: ${selector.metric ?? 'a selector'} is not filtered by ${missing.map((l) => `${l}="$${l}"`).join(', ')}`);
      }
    }
  }
  return { covered, findings };
}

/** Every `datasource` reference in panels, targets and variables (the datasource variable itself aside). */
function datasourceReferences(node: unknown, path = '$'): Array<{ path: string; value: Obj | string }> {
  if (Array.isArray(node)) return node.flatMap((item, i) => datasourceReferences(item, `${path}[${i}]`));
  if (typeof node !== 'object' || node === null) return [];
  const object = node as Obj;
  if (object.type === 'datasource' && object.name === 'datasource') return [];
  return Object.entries(object).flatMap(([key, value]) =>
    key === 'datasource' && value !== null ? [{ path: `${path}.${key}`, value: value as Obj | string }] : datasourceReferences(value, `${path}.${key}`),
  );
}

/** Panels, including those nested in collapsed rows. */
function panelsOf(panels: Obj[]): Obj[] {
  return panels.flatMap((panel) => [panel, ...panelsOf(panel.panels ?? [])]);
}
