import { listeningEventV1, type ListeningEvent } from '@spotify-pipeline/shared/schemas';
import { MalformedInjector, type MalformedRecord } from '../../../src/simulator/malformed-injector';

const event: ListeningEvent = {
  schema_version: 1, event_id: 'sim1te0', ts: '2024-01-01T10:00:00.000Z', user_id: 'user-000001', platform: 'android',
  ms_played: 1000, conn_country: 'SE', track_uri: 'spotify:track:0GjEhVFGZW8afUYGChu3Rr', track_name: 'T', artist_name: 'A',
  album_name: 'B', episode_name: null, episode_show_name: null, episode_uri: null, audiobook_title: null, audiobook_uri: null,
  audiobook_chapter_uri: null, audiobook_chapter_title: null, reason_start: 'clickrow', reason_end: 'fwdbtn', shuffle: true,
  skipped: true, offline: false, offline_timestamp: 1704103199000, incognito_mode: false, session_id: 'sim1ts0',
};

function run(ratio: number, seed: number, count: number): MalformedRecord[] {
  const injector = new MalformedInjector(ratio, seed);
  const out: MalformedRecord[] = [];
  for (let i = 0; i < count; i++) {
    const bad = injector.before({ event });
    if (bad) out.push(bad);
  }
  return out;
}

describe('MalformedInjector', () => {
  it('emits nothing at ratio 0', () => {
    expect(run(0, 1, 10_000)).toEqual([]);
  });

  it('makes malformed records the given share of everything sent (±0.5 point)', () => {
    const valid = 40_000;
    const bad = run(0.05, 3, valid);
    expect(Math.abs(bad.length / (bad.length + valid) - 0.05)).toBeLessThan(0.005);
    const notJson = bad.filter((b) => b.kind === 'not_json').length;
    expect(notJson / bad.length).toBeGreaterThan(0.4);
    expect(notJson / bad.length).toBeLessThan(0.6);
  });

  it('not_json records do not parse; schema_invalid records parse and fail listeningEventV1', () => {
    const bad = run(0.2, 5, 2_000);
    const variants = new Set(bad.map((b) => b.variant));
    expect(variants.size).toBe(7);
    for (const record of bad) {
      const text = record.value.toString('utf8');
      if (record.kind === 'not_json') {
        expect(() => JSON.parse(text)).toThrow();
      } else {
        expect(listeningEventV1.safeParse(JSON.parse(text)).success).toBe(false);
      }
    }
  });

  it('is deterministic for a seed', () => {
    expect(run(0.1, 9, 1_000)).toEqual(run(0.1, 9, 1_000));
  });

  it('rejects ratios outside [0, 1)', () => {
    expect(() => new MalformedInjector(1, 1)).toThrow(RangeError);
  });
});
