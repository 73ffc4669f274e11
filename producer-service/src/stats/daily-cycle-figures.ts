import { localTime } from '../simulator/daily-cycle.js';
import { measured, type MeasuredFigure } from './published-figures.js';

/** Session starts by local hour: weekdays (all, mobile, desktop) and weekends. */
export interface SessionStartHours {
  weekday: Float64Array;
  weekdayMobile: Float64Array;
  weekdayDesktop: Float64Array;
  weekend: Float64Array;
}

export function emptyHours(): SessionStartHours {
  return { weekday: new Float64Array(24), weekdayMobile: new Float64Array(24), weekdayDesktop: new Float64Array(24), weekend: new Float64Array(24) };
}

const total = (hours: Float64Array): number => hours.reduce((a, b) => a + b, 0);

const HOUR_MS = 3_600_000;

/**
 * How many hours of each local weekday hour and weekend hour a zone saw from `fromMs` to `toMs`
 * (partial hours in part; daylight-saving days have an hour more or less).
 */
export function localHourExposure(zone: { offsetMinutes(utcMs: number): number }, fromMs: number, toMs: number): { weekday: Float64Array; weekend: Float64Array } {
  const exposure = { weekday: new Float64Array(24), weekend: new Float64Array(24) };
  for (let t = fromMs; t < toMs; ) {
    const offsetMs = zone.offsetMinutes(t) * 60_000;
    const local = localTime(t, offsetMs / 60_000);
    // To the end of this local hour (offsets change on the hour, or on the half hour at worst: the next step reads it again).
    const end = Math.min(toMs, t + HOUR_MS - ((((t + offsetMs) % HOUR_MS) + HOUR_MS) % HOUR_MS));
    (local.weekend ? exposure.weekend : exposure.weekday)[local.hour]! += (end - t) / HOUR_MS;
    t = end;
  }
  return exposure;
}

/**
 * Session starts per local hour as rates: each zone's counts divided by how long its sample saw
 * that local hour, scaled back to the zone's mean. A sample of a few days sees some local hours
 * once more than others — a run from Sunday 00:00 UTC to Wednesday 00:00 UTC holds a third
 * weekday early morning in Asia (Wednesday before 00:00 UTC) and only one weekday evening in the
 * Americas (Tuesday after 00:00 UTC is cut off) — and raw counts would show that coverage as if
 * it were the daily cycle. A zone whose sample misses some local hour entirely (less than a day of
 * weekdays, or of weekend) is left as counted: there is nothing to divide by.
 */
export function perExposure(counts: Float64Array, exposure: Float64Array): Float64Array {
  if (exposure.some((hours) => hours <= 0)) return counts;
  const mean = total(exposure) / 24;
  return counts.map((count, h) => (count * mean) / exposure[h]!);
}

function argExtreme(hours: Float64Array, from: number, to: number, better: (a: number, b: number) => boolean): number {
  let best = from;
  for (let h = from + 1; h <= to; h++) if (better(hours[h]!, hours[best]!)) best = h;
  return best;
}

/** The curve's value at a fractional hour, read circularly with linear interpolation. */
function at(hours: Float64Array, hour: number): number {
  const h = ((hour % 24) + 24) % 24;
  const lo = Math.floor(h);
  const frac = h - lo;
  return hours[lo]! * (1 - frac) + hours[(lo + 1) % 24]! * frac;
}

function correlation(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((x, y) => x + y) / n;
  const mb = b.reduce((x, y) => x + y) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

/**
 * How many hours later the desktop curve runs than the mobile one: the shift (−3 h to +3 h, in
 * steps of 0.05 h) at which the desktop curve, read that much later, best matches the mobile one.
 */
export function desktopLagHours(mobile: Float64Array, desktop: Float64Array): number {
  const m = Array.from(mobile);
  let best = 0;
  let bestCorrelation = -Infinity;
  for (let step = -60; step <= 60; step++) {
    const lag = step / 20;
    const shifted = Array.from({ length: 24 }, (_, h) => at(desktop, h + lag));
    const r = correlation(m, shifted);
    if (r > bestCorrelation) {
      bestCorrelation = r;
      best = lag;
    }
  }
  return best;
}

/** The docs/spotify-data.md figures of Zhang et al. from session starts per local hour. */
export function dailyCycleFigures(hours: SessionStartHours): MeasuredFigure[] {
  const { weekday, weekend, weekdayMobile, weekdayDesktop } = hours;
  const weekdays = total(weekday);
  const weekends = total(weekend);
  const none = 'not shown: no weekday sessions with a known country';
  if (weekdays === 0) {
    return ['daily.lowest-hour', 'daily.morning-peak-hour', 'daily.lunch-dip', 'daily.evening-peak-hour', 'daily.mobile-leads-desktop', 'daily.weekend-morning-peak'].map((id) => measured(id, null, 0, none));
  }
  const mean = (h: Float64Array, ...of: number[]): number => of.reduce((sum, i) => sum + h[i]!, 0) / of.length;
  const figures = [
    measured('daily.lowest-hour', argExtreme(weekday, 0, 23, (a, b) => a < b), weekdays),
    measured('daily.morning-peak-hour', argExtreme(weekday, 0, 11, (a, b) => a > b), weekdays),
    measured('daily.lunch-dip', mean(weekday, 12, 13) / ((mean(weekday, 9, 10) + mean(weekday, 15, 16)) / 2), weekdays),
    measured('daily.evening-peak-hour', argExtreme(weekday, 15, 23, (a, b) => a > b), weekdays),
  ];
  const mobiles = total(weekdayMobile);
  const desktops = total(weekdayDesktop);
  figures.push(
    mobiles > 0 && desktops > 0
      ? measured('daily.mobile-leads-desktop', desktopLagHours(weekdayMobile, weekdayDesktop), Math.min(mobiles, desktops))
      : measured('daily.mobile-leads-desktop', null, 0, 'not shown: needs weekday sessions on both mobile and desktop'),
  );
  figures.push(
    weekends > 0
      ? measured('daily.weekend-morning-peak', Math.max(weekend[8]!, weekend[9]!, weekend[10]!, weekend[11]!) / mean(weekend, 12, 13, 14), weekends)
      : measured('daily.weekend-morning-peak', null, 0, 'not shown: no weekend sessions with a known country'),
  );
  return figures;
}
