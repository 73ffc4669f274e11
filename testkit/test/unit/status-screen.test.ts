import { parsePrometheusText } from '../../src/pipeline/metrics-scrape';
import { renderStatus } from '../../src/pipeline/status-screen';

const exposition = `# HELP pipeline_producer_service_events_produced_total events
# TYPE pipeline_producer_service_events_produced_total counter
pipeline_producer_service_events_produced_total{topic="tracks",service="producer-service"} 50000
pipeline_producer_service_events_produced_total{topic="listening-events",service="producer-service"} 1234
`;

describe('status screen', () => {
  it('sums series per name and per label, so listening events are not mixed with tracks', () => {
    const totals = parsePrometheusText(exposition);
    expect(totals.get('pipeline_producer_service_events_produced_total')).toBe(51_234);
    expect(totals.get('pipeline_producer_service_events_produced_total{topic="listening-events"}')).toBe(1_234);
    const screen = renderStatus({ producer: totals, sink: undefined, etl: undefined, catalog: undefined }, 'header');
    expect(screen).toContain('produced 1,234 events');
    expect(screen).not.toContain('51,234');
    expect(screen).toMatch(/sink .*\(down\)/);
  });
});
