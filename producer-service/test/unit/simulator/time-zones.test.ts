import { localTime } from '../../../src/simulator/daily-cycle';
import { LISTENER_COUNTRIES, REGION_SHARES } from '../../../src/simulator/listener-countries';
import { Prng } from '../../../src/simulator/prng';
import { TimeZone, timeZone } from '../../../src/simulator/time-zones';

/** What Intl says directly (the slow way TimeZone avoids per lookup). */
function intlOffset(zone: string, ms: number): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(ms).find((p) => p.type === 'timeZoneName')!.value;
  const match = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
  return match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
}

describe('TimeZone (IANA offsets through Intl, daylight saving included)', () => {
  it('has the real offsets: half hours, southern summers, zones without DST', () => {
    const jan = Date.UTC(2024, 0, 15, 12);
    const jul = Date.UTC(2024, 6, 15, 12);
    const offsets = (name: string): [number, number] => [timeZone(name).offsetMinutes(jan), timeZone(name).offsetMinutes(jul)];
    expect(offsets('Asia/Kolkata')).toEqual([330, 330]);
    expect(offsets('America/New_York')).toEqual([-300, -240]);
    expect(offsets('Europe/Berlin')).toEqual([60, 120]);
    expect(offsets('Australia/Sydney')).toEqual([660, 600]);
    expect(offsets('Australia/Adelaide')).toEqual([630, 570]);
    expect(offsets('America/Sao_Paulo')).toEqual([-180, -180]);
    expect(offsets('America/Phoenix')).toEqual([-420, -420]);
  });

  it('switches at the minute Intl does (US and EU on different Sundays), in any order of lookups and years', () => {
    const zone = new TimeZone('America/New_York');
    // 2024-03-10 07:00 UTC is 02:00 EST → 03:00 EDT.
    expect(zone.offsetMinutes(Date.UTC(2024, 2, 10, 6, 59))).toBe(-300);
    expect(zone.offsetMinutes(Date.UTC(2024, 2, 10, 7, 0))).toBe(-240);
    const berlin = new TimeZone('Europe/Berlin');
    // 2024-03-31 01:00 UTC: CET → CEST, three weeks after the US.
    expect(berlin.offsetMinutes(Date.UTC(2024, 2, 31, 0, 59))).toBe(60);
    expect(berlin.offsetMinutes(Date.UTC(2024, 2, 31, 1, 0))).toBe(120);
    const rng = new Prng(4);
    for (const name of ['America/Santiago', 'Pacific/Auckland', 'Africa/Cairo', 'Europe/London', 'America/Mexico_City']) {
      const z = new TimeZone(name);
      for (let i = 0; i < 300; i++) {
        const ms = Date.UTC(2014, 0, 1) + Math.floor(rng.next() * 12 * 365 * 86_400_000);
        expect([name, new Date(ms).toISOString(), z.offsetMinutes(ms)]).toEqual([name, new Date(ms).toISOString(), intlOffset(name, ms)]);
      }
    }
  });

  it('gives local hours and weekends from the offset', () => {
    // Monday 2024-01-01 00:30 UTC is Sunday 19:30 in New York.
    expect(localTime(Date.UTC(2024, 0, 1, 0, 30), -300)).toEqual({ hour: 19, weekend: true });
    expect(localTime(Date.UTC(2024, 0, 1, 0, 30), 330)).toEqual({ hour: 6, weekend: false });
  });
});

describe('listener countries', () => {
  it("weights countries by Spotify's published regional shares, every zone a real IANA zone", () => {
    const byRegion = new Map<string, number>();
    for (const country of LISTENER_COUNTRIES) byRegion.set(country.region, (byRegion.get(country.region) ?? 0) + country.share);
    for (const [region, share] of Object.entries(REGION_SHARES)) expect([region, byRegion.get(region)]).toEqual([region, expect.closeTo(share, 5)]);
    for (const country of LISTENER_COUNTRIES) {
      expect(country.zones.reduce((sum, [, percent]) => sum + percent, 0)).toBe(100);
      for (const [zone] of country.zones) expect(() => new Intl.DateTimeFormat('en-US', { timeZone: zone })).not.toThrow();
      expect(country.zones.map(([zone]) => zone)).toContain(country.statsZone);
    }
  });
});
