/**
 * Relative session-start intensity by local hour (Zhang et al., INFOCOM 2013): lowest around 02:00,
 * a morning peak at 09–10, a lunch dip on weekdays, an evening peak at 18–19. Weekends have no
 * morning peak and a later, flatter day.
 *
 * The weekday curve is the mobile one; desktop sessions follow it an hour later (DESKTOP_LAG_HOURS),
 * so their trough is at 03:00. About a fifth of weekday sessions are on desktop, so the trough of
 * all sessions at 02:00 needs 02:00 clearly below 03:00 on mobile: with 0.13 against 0.16 the sum
 * was 0.145 at 02:00 against 0.152 at 03:00, closer than a few days' sampling noise, and the lowest
 * hour came out at 03:00 as often as at 02:00. Now 0.08 against 0.18 (all sessions: about 0.10
 * against 0.16). The desktop lag is measured (`stats`: daily.mobile-leads-desktop) on the morning
 * rise, the lunch dip and the evening fall: on a few days of 10,000 listeners its sampling noise was
 * ±0.14 h (one standard deviation) with the old shallower curve, ±0.10 h with this one.
 * Weekend late mornings stay well below midday (11:00 was only 6% below 12–14, within the sampling noise of one weekend).
 */
const WEEKDAY = [0.3, 0.19, 0.08, 0.18, 0.26, 0.32, 0.56, 1.12, 1.56, 1.62, 1.5, 1.2, 1.0, 1.16, 1.3, 1.36, 1.48, 1.66, 1.84, 1.8, 1.36, 0.94, 0.62, 0.42];
const WEEKEND = [0.5, 0.34, 0.22, 0.16, 0.15, 0.2, 0.3, 0.48, 0.7, 0.9, 1.04, 1.14, 1.3, 1.34, 1.36, 1.38, 1.42, 1.5, 1.58, 1.6, 1.5, 1.3, 1.05, 0.75];

export const PEAK_INTENSITY = Math.max(...WEEKDAY, ...WEEKEND);

/** Average intensity over a week, relative to the peak: the acceptance rate of candidate starts. */
export const MEAN_ACCEPTANCE = (5 * mean(WEEKDAY) + 2 * mean(WEEKEND)) / 7 / PEAK_INTENSITY;

function mean(values: number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface LocalTime {
  hour: number;
  weekend: boolean;
}

/** Local hour and weekend at `utcMs` for a zone `offsetMinutes` ahead of UTC (time-zones.ts gives it, DST included). */
export function localTime(utcMs: number, offsetMinutes: number): LocalTime {
  const local = utcMs + offsetMinutes * 60_000;
  const hour = Math.floor((((local % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);
  // 1970-01-01 was a Thursday: day 0 → Thursday, so (days + 4) % 7 gives 0 = Sunday.
  const weekday = (((Math.floor(local / DAY_MS) + 4) % 7) + 7) % 7;
  return { hour, weekend: weekday === 0 || weekday === 6 };
}

/** How much later desktop (and other non-mobile) sessions follow the weekday curve (Zhang et al.: about an hour). */
export const DESKTOP_LAG_HOURS = 1;

/** Intensity at a local time; `lagHours` shifts the curve (desktop follows mobile by about an hour on weekdays). */
export function sessionIntensity(time: LocalTime, lagHours = 0): number {
  const hour = (time.hour - lagHours + 24) % 24;
  return (time.weekend ? WEEKEND : WEEKDAY)[hour]!;
}
