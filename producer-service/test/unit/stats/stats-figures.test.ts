import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runStatsCommand } from '../../../src/cli/stats-command';
import { timeZone } from '../../../src/simulator/time-zones';
import { desktopLagHours, localHourExposure, perExposure } from '../../../src/stats/daily-cycle-figures';
import { ListeningStats, type StatsEvent } from '../../../src/stats/listening-stats';
import { PlatformClass, platformClass } from '../../../src/stats/platform-class';
import { MIN_COUNT, popularityFigures, tailExponent } from '../../../src/stats/popularity-figures';
import { judge, PUBLISHED_FIGURES } from '../../../src/stats/published-figures';

const event = (overrides: Partial<StatsEvent> = {}): StatsEvent => ({
  ts: '2024-03-04T10:00:00.000Z',
  user_id: 'u1',
  platform: 'android',
  ms_played: 200_000,
  conn_country: 'DE',
  track_uri: `spotify:track:${'A'.repeat(22)}`,
  track_name: 'Song',
  artist_name: 'Artist',
  reason_end: 'trackdone',
  skipped: false,
  artist_uri: null,
  ...overrides,
});

describe('published figures', () => {
  it('lists every figure of docs/spotify-data.md once, judged by its comparison', () => {
    expect(new Set(PUBLISHED_FIGURES.map((f) => f.id)).size).toBe(PUBLISHED_FIGURES.length);
    const share = PUBLISHED_FIGURES.find((f) => f.id === 'skips.within-5s')!;
    expect([judge(share, 0.241 * 1.19), judge(share, 0.241 * 1.21), judge(share, null)]).toEqual([true, false, null]);
    const hour = PUBLISHED_FIGURES.find((f) => f.id === 'daily.lowest-hour')!;
    expect([judge(hour, 2), judge(hour, 3)]).toEqual([true, false]);
    const direction = PUBLISHED_FIGURES.find((f) => f.id === 'skips.weekend')!;
    expect([judge(direction, 1.01), judge(direction, 1)]).toEqual([true, false]);
    expect(judge(PUBLISHED_FIGURES.find((f) => f.id === 'export.skipped-2015-2022')!, 0.001)).toBe(false);
  });
});

describe('popularity figures', () => {
  it('measures head share, items for 80% and the tail exponent of a known law', () => {
    // Exact Zipf with exponent 1 over 1,000,000 ranks.
    const weights = Float64Array.from({ length: 1_000_000 }, (_, r) => 1 / (r + 1));
    const [head, tracks, artists, exponent] = popularityFigures(weights, weights, { kind: 'model' });
    let h1000 = 0;
    let all = 0;
    weights.forEach((w, r) => {
      all += w;
      if (r < 1000) h1000 += w;
    });
    expect(head!.value).toBeCloseTo(h1000 / all, 10);
    expect(tracks!.value).toBe(artists!.value);
    expect(exponent!.value).toBeCloseTo(1, 6);
    expect(tailExponent(Float64Array.from({ length: 300_000 }, (_, r) => (r + 1) ** -1.3), 10_000, 200_000)).toBeCloseTo(1.3, 6);
  });

  it("does not show what a sample's counts cannot rank: a boundary item with fewer than MIN_COUNT plays", () => {
    const counts = Array.from({ length: 500_000 }, (_, r) => Math.max(1, Math.round(60_000 / (r + 1))));
    const figures = popularityFigures(counts, counts, { kind: 'sample' });
    expect(figures.map((f) => [f.definition.id, f.value === null])).toEqual([
      ['popularity.top-1000-share', false],
      ['popularity.tracks-for-80pct', true],
      ['popularity.artists-for-80pct', true],
      ['popularity.tail-exponent', true],
    ]);
    expect(figures[1]!.note).toContain(`${MIN_COUNT} needed`);
  });
});

describe('daily cycle figures', () => {
  it('finds the hour by which desktop follows mobile', () => {
    const mobile = Float64Array.from({ length: 24 }, (_, h) => 1 + Math.sin(((h - 6) / 24) * 2 * Math.PI) + (h === 9 ? 0.5 : 0));
    const desktop = Float64Array.from({ length: 24 }, (_, h) => mobile[(h + 23) % 24]!);
    expect(desktopLagHours(mobile, desktop)).toBeCloseTo(1, 5);
    expect(desktopLagHours(mobile, mobile)).toBeCloseTo(0, 5);
  });

  it('counts how long a sample saw each local hour, and takes starts per hour seen', () => {
    // Sunday 2026-11-01 00:00 UTC to Wednesday 00:00 UTC, in Tokyo (+9, no DST) and New York (DST ends that Sunday at 06:00 UTC).
    const from = Date.UTC(2026, 10, 1);
    const to = Date.UTC(2026, 10, 4);
    const tokyo = localHourExposure(timeZone('Asia/Tokyo'), from, to);
    // Weekdays: Monday and Tuesday whole, Wednesday 00:00–09:00; weekend: Sunday 09:00–24:00.
    expect(Array.from(tokyo.weekday)).toEqual(Array.from({ length: 24 }, (_, h) => (h < 9 ? 3 : 2)));
    expect(Array.from(tokyo.weekend)).toEqual(Array.from({ length: 24 }, (_, h) => (h < 9 ? 0 : 1)));
    const newYork = localHourExposure(timeZone('America/New_York'), from, to);
    // Saturday from 20:00 (EDT), Sunday with 01:00 twice; Monday whole, Tuesday until 19:00 (EST).
    expect(Array.from(newYork.weekday)).toEqual(Array.from({ length: 24 }, (_, h) => (h < 19 ? 2 : 1)));
    expect(Array.from(newYork.weekend)).toEqual(Array.from({ length: 24 }, (_, h) => (h === 1 ? 2 : h >= 20 ? 2 : 1)));
    expect(newYork.weekday.reduce((a, b) => a + b) + newYork.weekend.reduce((a, b) => a + b)).toBe(72);
    // Twice the starts in an hour seen twice is the same rate; an hour never seen leaves the counts as they are.
    const starts = Float64Array.from({ length: 24 }, (_, h) => (h < 9 ? 30 : 20));
    expect(Array.from(perExposure(starts, tokyo.weekday)).every((rate) => Math.abs(rate - 20 * (tokyo.weekday.reduce((a, b) => a + b) / 24 / 2)) < 1e-9)).toBe(true);
    expect(perExposure(starts, tokyo.weekend)).toBe(starts);
  });
});

describe('platform classes', () => {
  it.each([
    ['android', PlatformClass.Mobile],
    ['Android OS 9 API 28 (samsung, SM-G960F)', PlatformClass.Mobile],
    ['iOS 12.1.4 (iPhone10,6)', PlatformClass.Mobile],
    ['windows', PlatformClass.Desktop],
    ['OS X 10.14.6 [x86 8]', PlatformClass.Desktop],
    ['web_player windows 10;chrome 120.0.0.0;desktop', PlatformClass.Desktop],
    ['not_applicable', PlatformClass.Other],
    ['Partner google cast_tv', PlatformClass.Other],
  ])('%s', (platform, expected) => expect(platformClass(platform)).toBe(expected));
});

describe('ListeningStats', () => {
  it('counts skips and sessions from events, local time from the country', () => {
    const stats = new ListeningStats();
    // Two sessions of user u1 (a gap of over 30 minutes), one of u2; a podcast row that is not music.
    stats.add(event({ ts: '2024-03-04T08:00:00Z', ms_played: 3_000, reason_end: 'fwdbtn', skipped: true }));
    stats.add(event({ ts: '2024-03-04T08:04:00Z' }));
    stats.add(event({ ts: '2024-03-04T09:30:00Z', platform: 'windows', ms_played: 20_000, reason_end: 'endplay' }));
    stats.add(event({ user_id: 'u2', ts: '2024-03-09T12:00:00.500Z', conn_country: 'ZZ' }));
    stats.add(event({ track_uri: null, track_name: null, reason_end: 'endplay' }));
    const report = stats.report();
    const value = (id: string): number | null => report.figures.find((f) => f.definition.id === id)!.value;
    expect(report.events).toBe(5);
    expect(report.musicPlays).toBe(4);
    expect(value('skips.within-5s')).toBe(0.25);
    expect(value('skips.within-30s')).toBe(0.5);
    expect(value('skips.before-end')).toBe(0.5);
    expect(value('skips.mobile')).toBeCloseTo(1 / 3, 10);
    expect(value('skips.desktop')).toBe(1);
    expect(value('daily.calmer-late-night')).toBeNull();
    expect(report.context.find((c) => c.id === 'sessions.count')!.value).toBe(3);
    expect(report.context.find((c) => c.id === 'repeats.share')!.value).toBe(0.5);
  });
});

describe('producer-service stats (the command)', () => {
  it('reads NDJSON, gzipped or not, skipping lines that are not JSON objects, and prints every figure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stats-'));
    try {
      const lines = [JSON.stringify(event()), 'not json', JSON.stringify(event({ ts: '2016-05-01T10:00:00Z', skipped: true }))].join('\n');
      writeFileSync(join(dir, 'e.ndjson.gz'), gzipSync(lines));
      let out = '';
      let err = '';
      const code = await runStatsCommand({ input: join(dir, 'e.ndjson.gz'), format: 'text' }, { env: {}, stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } });
      expect(code).toBe(0);
      for (const figure of PUBLISHED_FIGURES) expect(out).toContain(figure.id);
      expect(out).toMatch(/export\.skipped-2015-2022 .* 100\.0% +NO/);
      expect(err).toContain('1 of 3 records were not JSON objects');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
