/**
 * A seeded pseudo-random generator (sfc32, seeded through splitmix32). The simulator draws every
 * decision from one of these, so a seed reproduces the same catalog, users and events bit for bit;
 * Math.random is never used. `fork(label)` gives an independent stream, so adding draws in one part
 * of the model (say, podcasts) does not shift every draw of another (the catalog).
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(private readonly seed: number) {
    let s = seed >>> 0;
    const split = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Picks by weight; `weights` need not sum to 1. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      r -= weights[i]!;
      if (r < 0) return items[i]!;
    }
    return items[items.length - 1]!;
  }

  /** Standard normal (Box–Muller). */
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Beta-like value in [0, 1] centred on `mean` (clamped normal: cheap, good enough for features). */
  unit(mean: number, sd: number): number {
    return Math.min(1, Math.max(0, this.normal(mean, sd)));
  }

  /** An independent stream derived from this seed and a label. */
  fork(label: string): Prng {
    let h = this.seed ^ 0x811c9dc5;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new Prng(h >>> 0);
  }
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A Spotify-style base62 id (22 characters for tracks and episodes). */
export function base62Id(rng: Prng, length = 22): string {
  let id = '';
  for (let i = 0; i < length; i++) id += BASE62[rng.int(62)];
  return id;
}

/**
 * A seed for the `index`-th item of a kind (`label`): items made lazily (a catalog track first played
 * late in a run) come out the same whenever, and in whatever order, they are made.
 */
export function itemSeed(seed: number, label: string, index: number): number {
  return itemSeedOf(labelSeed(seed, label), index);
}

/** The label's part of itemSeed, for callers that make many items of one kind (hash it once). */
export function labelSeed(seed: number, label: string): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return h;
}

export function itemSeedOf(label: number, index: number): number {
  let h = Math.imul(label ^ index, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A small generator for the properties of one lazily made item (a catalog track): no warm-up and
 * one multiply-xorshift step per draw (mulberry32), because a track is made on a cache miss in the
 * middle of the hot path. Its stream is fixed by the item's seed (itemSeed), like Prng's.
 */
export class ItemRng {
  private state: number;

  constructor(seed = 0) {
    this.state = seed | 0;
  }

  /** Restarts the stream at another item's seed: one instance serves every item, no allocation per item. */
  reset(seed: number): this {
    this.state = seed | 0;
    return this;
  }

  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** 32 random bits, as an unsigned integer. */
  nextUint32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** `Prng.weighted` for a fixed list drawn from on the hot path: the cumulative weights are summed once. */
export class WeightedChoice<T> {
  private readonly cumulative: Float64Array;

  constructor(
    private readonly items: readonly T[],
    weights: readonly number[],
  ) {
    let total = 0;
    this.cumulative = Float64Array.from(weights, (w) => (total += w));
  }

  pick(rng: Prng): T {
    const cumulative = this.cumulative;
    const r = rng.next() * cumulative[cumulative.length - 1]!;
    for (let i = 0; i < cumulative.length; i++) if (r < cumulative[i]!) return this.items[i]!;
    return this.items[this.items.length - 1]!;
  }
}
