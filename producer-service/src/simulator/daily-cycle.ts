/**
 * Relative session-start intensity by local hour (Zhang et al., INFOCOM 2013): lowest around 02:00,
 * a morning peak at 09–10, a lunch dip on weekdays, an evening peak at 18–19. Weekends have no
 * morning peak and a later, flatter day.
 */
const WEEKDAY = [0.3, 0.19, 0.13, 0.16, 0.21, 0.38, 0.7, 1.1, 1.42, 1.55, 1.5, 1.32, 1.18, 1.26, 1.3, 1.36, 1.48, 1.66, 1.78, 1.72, 1.5, 1.22, 0.88, 0.55];
const WEEKEND = [0.5, 0.34, 0.22, 0.16, 0.15, 0.2, 0.3, 0.5, 0.75, 0.98, 1.15, 1.25, 1.3, 1.34, 1.36, 1.38, 1.42, 1.5, 1.58, 1.6, 1.5, 1.3, 1.05, 0.75];

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

/** Intensity at a local time; `lagHours` shifts the curve (desktop follows mobile by about an hour on weekdays). */
export function sessionIntensity(time: LocalTime, lagHours = 0): number {
  const hour = (time.hour - lagHours + 24) % 24;
  return (time.weekend ? WEEKEND : WEEKDAY)[hour]!;
}
