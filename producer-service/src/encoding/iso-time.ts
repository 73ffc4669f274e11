/**
 * `new Date(ms).toISOString()` for the simulator's hot path (the encoder writes the same as bytes,
 * see play-encoder.ts; this string form builds `play.event` for tests and malformed records). The date-and-minute prefix comes from a
 * small cache indexed by minute: events are generated a play ahead per live session, so consecutive
 * calls jump between the few minutes those sessions' plays end in, and a single cached minute missed
 * on most calls (toISOString then cost more than the rest of the event). Seconds and millis come
 * from lookup tables, so a hit is two concatenations. Same output as toISOString for years
 * 0000–9999 (a unit test compares them).
 */
const SLOTS = 256;
const slotMinute = new Float64Array(SLOTS).fill(Number.NaN);
const slotPrefix: string[] = new Array<string>(SLOTS).fill('');

/** "00." … "59." and "000Z" … "999Z". */
const SECONDS = Array.from({ length: 60 }, (_, s) => `${String(s).padStart(2, '0')}.`);
const MILLIS = Array.from({ length: 1000 }, (_, ms) => `${String(ms).padStart(3, '0')}Z`);

export function isoTime(time: number): string {
  // Date keeps whole milliseconds (it truncates), and so must the table lookup.
  const ms = Math.trunc(time);
  const minute = Math.floor(ms / 60_000);
  const slot = minute & (SLOTS - 1);
  if (slotMinute[slot] !== minute) {
    slotMinute[slot] = minute;
    slotPrefix[slot] = new Date(minute * 60_000).toISOString().slice(0, 17);
  }
  const withinMinute = ms - minute * 60_000;
  const seconds = Math.floor(withinMinute / 1000);
  return slotPrefix[slot]! + SECONDS[seconds]! + MILLIS[withinMinute - seconds * 1000]!;
}

/** `ts` as real exports write it: whole seconds, no fraction (`2014-07-27T20:34:47Z`), rounded down. */
export function isoTimeSeconds(time: number): string {
  const iso = isoTime(time);
  return `${iso.slice(0, iso.length - 5)}Z`;
}
