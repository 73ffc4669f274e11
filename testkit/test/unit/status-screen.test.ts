import { parsePrometheusText } from '../../src/pipeline/metrics-scrape';
import { renderStatus, stateSignature, type StageStates } from '../../src/pipeline/status-screen';

const exposition = `# HELP pipeline_producer_service_events_produced_total events
# TYPE pipeline_producer_service_events_produced_total counter
pipeline_producer_service_events_produced_total{topic="tracks",service="producer-service"} 50000
pipeline_producer_service_events_produced_total{topic="listening-events",service="producer-service"} 1234
`;

const insightsExposition = `pipeline_insights_service_records_total{outcome="accepted"} 4321
pipeline_insights_service_records_total{outcome="late"} 7
pipeline_insights_service_records_total{outcome="invalid"} 3
pipeline_insights_service_records_skipped_total{reason="invalid_json"} 3
pipeline_insights_service_windows 12
pipeline_insights_service_events_per_second 198.6
pipeline_insights_service_rebuilding 0
`;

describe('status screen', () => {
  const states = (producer: StageStates['producer']): StageStates => ({
    producer,
    sink: { kind: 'down', reason: 'consumer-service exited with code 78; last log: consumer-service: Invalid configuration: SINK_FLUSH_INTERVAL_MS="soon" is invalid' },
    etl: { kind: 'starting', sinceMs: 3_400 },
    catalog: { kind: 'up', metrics: undefined, live: false },
    insights: { kind: 'up', metrics: parsePrometheusText(insightsExposition), live: true },
  });

  it('sums series per name and per label, so listening events are not mixed with tracks', () => {
    const totals = parsePrometheusText(exposition);
    expect(totals.get('pipeline_producer_service_events_produced_total')).toBe(51_234);
    expect(totals.get('pipeline_producer_service_events_produced_total{topic="listening-events"}')).toBe(1_234);
    const screen = renderStatus(states({ kind: 'up', metrics: totals, live: true }), 'header');
    expect(screen).toContain('producer  produced 1,234 events');
    expect(screen).not.toContain('51,234');
  });

  it('shows a stopped stage as DOWN with its reason and no numbers, a starting one as starting', () => {
    const screen = renderStatus(states({ kind: 'up', metrics: parsePrometheusText(exposition), live: true }), 'header');
    expect(screen).toContain('sink      DOWN  consumer-service exited with code 78; last log: consumer-service: Invalid configuration');
    expect(screen).not.toMatch(/sink .*staged/);
    expect(screen).toContain('etl       starting… (3 s, ops port not answering yet)');
    expect(screen).toContain('catalog   partitions open -');
    expect(screen).toContain('(not live: /healthz 503)');
  });

  it("shows insights-service's counted events, not its late or invalid ones, and says while it rebuilds", () => {
    const screen = renderStatus(states({ kind: 'starting', sinceMs: 0 }), 'header');
    expect(screen).toContain('insights  counted 4,321 events in 12 windows  199 events/s  late 7  skipped 3');
    expect(screen).not.toContain('4,331');
    expect(screen).not.toContain('rebuilding');
    const rebuilding = renderStatus(
      { ...states({ kind: 'starting', sinceMs: 0 }), insights: { kind: 'up', metrics: parsePrometheusText(insightsExposition.replace('rebuilding 0', 'rebuilding 1')), live: true } },
      'header',
    );
    expect(rebuilding).toContain('(rebuilding from Kafka)');
  });

  it('names the commands to query the lake from another terminal', () => {
    const screen = renderStatus(states({ kind: 'starting', sinceMs: 0 }), 'header');
    expect(screen).toContain('npm run report -- top-tracks');
    expect(screen).toContain('npm run query -- "select');
    expect(screen).toContain('npm run catalog -- status');
  });

  it('changes its signature when a stage changes state, not when only its numbers move', () => {
    const a = stateSignature(states({ kind: 'up', metrics: parsePrometheusText(exposition), live: true }));
    const b = stateSignature(states({ kind: 'up', metrics: undefined, live: true }));
    const c = stateSignature(states({ kind: 'down', reason: 'producer-service was killed by SIGKILL; last log: (nothing written)' }));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });
});
