import { addMatchers, parsePromql, withGrafanaIntervals } from '../../src/promql';

describe('parsePromql', () => {
  it('lists series selectors with their matchers and aggregations with the labels they keep', () => {
    const parsed = parsePromql('sum by (namespace, job) (rate(pipeline_x_total{error_code=~"S3_.*"}[5m])) unless on (job) max without (pod) (pipeline_y)');
    expect(parsed.error).toBeUndefined();
    expect(parsed.selectors.map((s) => [s.metric, s.matchers])).toEqual([
      ['pipeline_x_total', [{ label: 'error_code', op: '=~', value: 'S3_.*' }]],
      ['pipeline_y', []],
    ]);
    expect(parsed.aggregations).toEqual([
      { op: 'sum', modifier: 'by', labels: ['namespace', 'job'], outermost: true },
      { op: 'max', modifier: 'without', labels: ['pod'], outermost: true },
    ]);
  });

  it('marks nested aggregations, and names a selector by its __name__ matcher', () => {
    const parsed = parsePromql('max(sum by (le) (rate({__name__="pipeline_z_bucket"}[1m])))');
    expect(parsed.aggregations.map((a) => a.outermost)).toEqual([true, false]);
    expect(parsed.selectors[0]?.metric).toBe('pipeline_z_bucket');
  });

  it('reports the column of a syntax error and does not accept unknown functions', () => {
    expect(parsePromql('time() - min(pipeline_x').error).toMatch(/^syntax error at column \d+/);
    expect(parsePromql('rat(pipeline_x[5m])').error).toMatch(/^syntax error/);
    expect(parsePromql('rate(pipeline_x[5m]) > 0').error).toBeUndefined();
  });

  it('reads Grafana interval variables as durations', () => {
    expect(parsePromql('rate(pipeline_x[$__rate_interval])').error).toBeDefined();
    expect(parsePromql(withGrafanaIntervals('rate(pipeline_x[$__rate_interval]) + rate(pipeline_y[${__interval}])')).error).toBeUndefined();
  });
});

describe('addMatchers', () => {
  const filters = [
    { label: 'namespace', op: '=', value: '$namespace' },
    { label: 'job', op: '=', value: '$job' },
  ];

  it('filters every selector, inside existing braces or after the metric name, and keeps the rest of the text', () => {
    expect(addMatchers('sum by (le) (rate(pipeline_a_bucket{le!=""}[5m])) / time() - pipeline_b', filters)).toBe(
      'sum by (le) (rate(pipeline_a_bucket{namespace="$namespace", job="$job", le!=""}[5m])) / time() - pipeline_b{namespace="$namespace", job="$job"}',
    );
  });

  it('leaves selectors that already match a label alone, and refuses an expression that does not parse', () => {
    expect(addMatchers('pipeline_a{job="x"}', filters)).toBe('pipeline_a{namespace="$namespace", job="x"}');
    expect(() => addMatchers('sum(pipeline_a', filters)).toThrow(/does not parse/);
  });
});
