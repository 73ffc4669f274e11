/**
 * `new Date(ms).toISOString()` for the simulator's hot path: the date-and-minute prefix is cached,
 * since consecutive events fall in the same minute, so most calls only format seconds and millis.
 * Same output as toISOString for years 0000–9999 (a unit test compares them).
 */
let cachedMinute = Number.NaN;
let cachedPrefix = '';

export function isoTime(ms: number): string {
  const minute = Math.floor(ms / 60_000);
  if (minute !== cachedMinute) {
    cachedMinute = minute;
    cachedPrefix = new Date(minute * 60_000).toISOString().slice(0, 17);
  }
  const withinMinute = ms - minute * 60_000;
  const seconds = Math.floor(withinMinute / 1000);
  const millis = withinMinute - seconds * 1000;
  return `${cachedPrefix}${seconds < 10 ? '0' : ''}${seconds}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}
