import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkGrafanaDashboard } from '../../src/grafana-dashboard';

const repoRoot = path.resolve(__dirname, '../../../..');
const dashboardFile = path.join(repoRoot, 'deploy/grafana/dashboards/pipeline.json');

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'grafana-dashboard-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function dashboardWith(change: (dashboard: any) => void): string {
  const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8'));
  change(dashboard);
  const file = path.join(scratch, `dashboard-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(dashboard));
  return file;
}

describe('checkGrafanaDashboard', () => {
  it('passes the repository dashboard: a datasource variable, and every query filtered by namespace and job', () => {
    const { covered, findings } = checkGrafanaDashboard(dashboardFile);
    expect(findings).toEqual([]);
    expect(covered).toBeGreaterThan(40);
    expect(readFileSync(dashboardFile, 'utf8')).not.toMatch(/"uid": "(?!\$\{datasource\}|spotify-pipeline")/);
  });

  it('rejects a hard-coded data source uid, in a panel or in a query', () => {
    const file = dashboardWith((d) => {
      d.panels[1].datasource = { type: 'prometheus', uid: 'P1809F7CD0C75ACF3' };
      d.panels[1].targets[0].datasource = 'Prometheus';
    });
    expect(checkGrafanaDashboard(file).findings.map((f) => f.message)).toEqual([
      '$.panels[1].datasource: data source {"type":"prometheus","uid":"P1809F7CD0C75ACF3"} is hard-coded; use {"type": "prometheus", "uid": "${datasource}"}',
      '$.panels[1].targets[0].datasource: data source "Prometheus" is hard-coded; use {"type": "prometheus", "uid": "${datasource}"}',
    ]);
  });

  it('rejects a query that sums releases together, one that does not parse, and missing or multi-valued variables', () => {
    const file = dashboardWith((d) => {
      d.panels[1].targets[0].expr = 'sum(rate(pipeline_producer_service_events_produced_total[$__rate_interval])) / sum(rate(pipeline_x_total{job="$job"}[5m]))';
      d.panels[2].targets[0].expr = 'sum(rate(pipeline_consumer_service_records_in_total{namespace="$namespace", job="$job"}[1m])';
      d.templating.list = d.templating.list.filter((v: { name: string }) => v.name !== 'datasource');
      d.templating.list.find((v: { name: string }) => v.name === 'job').includeAll = true;
    });
    const title = (i: number) => JSON.parse(readFileSync(file, 'utf8')).panels[i].title;
    expect(checkGrafanaDashboard(file).findings.map((f) => f.message)).toEqual([
      'needs a datasource variable named datasource (type datasource, query prometheus)',
      'variable job must select one value: "All" would sum releases together',
      `panel "${title(1)}" query A: pipeline_producer_service_events_produced_total is not filtered by namespace="$namespace", job="$job"`,
      `panel "${title(1)}" query A: pipeline_x_total is not filtered by namespace="$namespace"`,
      expect.stringMatching(new RegExp(`^panel "${title(2).replace(/[()]/g, '\\$&')}" query A: syntax error at column \\d+`)),
    ]);
  });
});
