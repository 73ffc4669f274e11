/**
 * Local time from the IANA database through Node's Intl: real offsets (India +5:30, Adelaide +9:30
 * or +10:30), daylight saving on each zone's own dates (US and EU on different Sundays, the southern
 * hemisphere the other way round). An Intl call costs about 7 µs, far too much per candidate session
 * start, so each zone's offsets are found once per UTC year: sampled weekly, and every change located
 * to the minute by bisection (about 80 calls per zone and year). A lookup is then an index check.
 */
const WEEK_MS = 7 * 86_400_000;
const MINUTE_MS = 60_000;

export class TimeZone {
  private readonly format: Intl.DateTimeFormat;
  /** Segments of constant offset, sorted and disjoint: [from[i], to[i]) has offsets[i] minutes. */
  private from: number[] = [];
  private to: number[] = [];
  private offsets: number[] = [];
  private readonly years = new Set<number>();
  private last = 0;

  constructor(readonly name: string) {
    this.format = new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'longOffset' });
  }

  /** Minutes to add to UTC for local time at `utcMs`. */
  offsetMinutes(utcMs: number): number {
    const i = this.last;
    if (utcMs >= this.from[i]! && utcMs < this.to[i]!) return this.offsets[i]!;
    return this.lookup(utcMs);
  }

  private lookup(utcMs: number): number {
    const year = new Date(utcMs).getUTCFullYear();
    if (!this.years.has(year)) this.addYear(year);
    const from = this.from;
    let lo = 0;
    let hi = from.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (from[mid]! <= utcMs) lo = mid;
      else hi = mid - 1;
    }
    this.last = lo;
    return this.offsets[lo]!;
  }

  /** What Intl says the offset is at `utcMs` ("GMT-05:00" → -300; "GMT" → 0). */
  private intlOffset(utcMs: number): number {
    const name = this.format.formatToParts(utcMs).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
    const match = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
    return match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
  }

  private addYear(year: number): void {
    this.years.add(year);
    const start = Date.UTC(year, 0, 1);
    const end = Date.UTC(year + 1, 0, 1);
    const segments: Array<[from: number, offset: number]> = [[start, this.intlOffset(start)]];
    let at = start;
    let offset = segments[0]![1];
    while (at < end) {
      const next = Math.min(at + WEEK_MS, end);
      const nextOffset = this.intlOffset(next);
      if (nextOffset !== offset) {
        // The change lies in (at, next]: bisect to the minute (no zone changes twice within a week).
        let lo = at;
        let hi = next;
        while (hi - lo > MINUTE_MS) {
          const mid = lo + Math.max(1, Math.floor((hi - lo) / 2 / MINUTE_MS)) * MINUTE_MS;
          if (this.intlOffset(mid) === offset) lo = mid;
          else hi = mid;
        }
        segments.push([hi, nextOffset]);
        offset = nextOffset;
      }
      at = next;
    }
    // Years are disjoint, so the year's segments go in as a block at their place.
    const index = this.from.findIndex((from) => from > start);
    const at_ = index === -1 ? this.from.length : index;
    const froms = segments.map(([from]) => from);
    const tos = segments.map((_, i) => (i + 1 < segments.length ? segments[i + 1]![0] : end));
    this.from.splice(at_, 0, ...froms);
    this.to.splice(at_, 0, ...tos);
    this.offsets.splice(at_, 0, ...segments.map(([, o]) => o));
    this.last = at_;
  }
}

const zones = new Map<string, TimeZone>();

/** One TimeZone per name, shared: each zone's offsets are computed once per process. */
export function timeZone(name: string): TimeZone {
  let zone = zones.get(name);
  if (!zone) zones.set(name, (zone = new TimeZone(name)));
  return zone;
}
