import { RequestError, RequestParams } from '../../../src/http/request-params';

const clock = { lastMinutes: (minutes: number) => ({ fromMs: 1_000_000 - minutes * 60_000, toMs: 1_000_000 }) };
const params = (query: string) => new RequestParams(new URLSearchParams(query), 1440, 128);

describe('RequestParams', () => {
  it('reads the last N minutes, bounded by the horizon', () => {
    expect(params('minutes=15').range(clock)).toEqual({ fromMs: 100_000, toMs: 1_000_000 });
    expect(params('').range(clock)).toEqual(clock.lastMinutes(60));
    expect(() => params('minutes=1441').range(clock)).toThrow(RequestError);
    expect(() => params('minutes=0').minutes(60)).toThrow(RequestError);
    expect(() => params('minutes=abc').minutes(60)).toThrow(RequestError);
  });

  it('reads an explicit range of ISO instants, no longer than the horizon', () => {
    expect(params('from=2026-12-01T10:00:00Z&to=2026-12-01T11:00:00Z').range(clock)).toEqual({ fromMs: Date.parse('2026-12-01T10:00:00Z'), toMs: Date.parse('2026-12-01T11:00:00Z') });
    expect(() => params('from=2026-12-01T10:00:00Z').range(clock)).toThrow('give both from and to');
    expect(() => params('from=2026-12-01T11:00:00Z&to=2026-12-01T10:00:00Z').range(clock)).toThrow('to must be after from');
    expect(() => params('from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:01Z').range(clock)).toThrow('at most the horizon');
    expect(() => params('from=yesterday&to=2026-12-01T10:00:00Z').range(clock)).toThrow('ISO 8601');
  });

  it('bounds list sizes by the sketch capacity', () => {
    expect(params('limit=128').limit(10)).toBe(128);
    expect(params('').limit(10)).toBe(10);
    expect(() => params('limit=129').limit(10)).toThrow(RequestError);
    expect(params('').top()).toBe(0);
    expect(() => params('top=-1').top()).toThrow(RequestError);
  });
});
