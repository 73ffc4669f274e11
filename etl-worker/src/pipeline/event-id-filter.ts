/**
 * "Has this event_id been seen in this staged object?" — first line of an id wins. Two answers:
 * - ExactEventIds keeps the ids themselves (a Set): exact, but ~0.45 µs a line here, since each id
 *   must be copied out of the decoded text it was cut from (V8 keeps a substring's parent alive).
 * - HashedEventIds keeps a 64-bit hash of each id in typed arrays: no string kept, ~0.1 µs a line,
 *   and a repeated hash answers "maybe" instead of guessing. The preparer then validates the whole
 *   object again with ExactEventIds (from its spooled copy), so the result is always exact; staged
 *   objects with repeated ids are rare (producers are idempotent), and hash collisions rarer still.
 */
export interface EventIdFilter {
  /** true: the id is new in this object; false: seen before (exact); 'maybe': its hash was seen before. */
  add(eventId: string): boolean | 'maybe';
}

export class ExactEventIds implements EventIdFilter {
  private readonly seen = new Set<string>();

  add(eventId: string): boolean {
    const known = this.seen.size;
    return this.seen.add(detached(eventId)).size !== known;
  }
}

const INITIAL_SLOTS = 1 << 16;

export class HashedEventIds implements EventIdFilter {
  private high = new Int32Array(INITIAL_SLOTS);
  private low = new Int32Array(INITIAL_SLOTS);
  private used = new Uint8Array(INITIAL_SLOTS);
  private count = 0;
  private readonly hashed = new Int32Array(2);

  /** `hash` writes two 32-bit halves into `out` (injectable so tests can force collisions). */
  constructor(private readonly hash: (text: string, out: Int32Array) => void = hash64) {}

  add(eventId: string): true | 'maybe' {
    this.hash(eventId, this.hashed);
    const high = this.hashed[0]!;
    const low = this.hashed[1]!;
    if (this.find(high, low)) return 'maybe';
    // At most half full, so a probe run stays short.
    if ((this.count + 1) * 2 > this.used.length) this.grow();
    this.insert(high, low);
    return true;
  }

  private find(high: number, low: number): boolean {
    const mask = this.used.length - 1;
    for (let slot = low & mask; this.used[slot] === 1; slot = (slot + 1) & mask) {
      if (this.low[slot] === low && this.high[slot] === high) return true;
    }
    return false;
  }

  private insert(high: number, low: number): void {
    const mask = this.used.length - 1;
    let slot = low & mask;
    while (this.used[slot] === 1) slot = (slot + 1) & mask;
    this.used[slot] = 1;
    this.high[slot] = high;
    this.low[slot] = low;
    this.count++;
  }

  private grow(): void {
    const { high, low, used } = this;
    this.high = new Int32Array(used.length * 2);
    this.low = new Int32Array(used.length * 2);
    this.used = new Uint8Array(used.length * 2);
    this.count = 0;
    for (let slot = 0; slot < used.length; slot++) if (used[slot] === 1) this.insert(high[slot]!, low[slot]!);
  }
}

/** Two independent 32-bit hashes of the UTF-16 code units (FNV-1a and a murmur-style mix), into `out`. */
export function hash64(text: string, out: Int32Array): void {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  out[0] = a;
  out[1] = Math.imul(b ^ (b >>> 13), 0x85ebca6b) ^ (b >>> 16);
}

/**
 * A copy of a short string that does not keep the decoded text it was cut from alive: V8 represents
 * a substring as a slice of its parent, so a set of 100k event ids would otherwise hold every line.
 */
export function detached(text: string): string {
  return (' ' + text).slice(1);
}
