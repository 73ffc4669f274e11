/** A source of uniform numbers in [0, 1): Prng, or a lazily made item's ItemRng. */
export interface Uniform {
  next(): number;
}
import { ZipfMandelbrot } from './zipf-mandelbrot.js';

/**
 * What the catalog's popularity must reproduce (Lamere / The Echo Nest, 2013, docs/spotify-data.md):
 * the top 1,000 songs take about 13% of listening, 80% of listening spreads over about 222,000
 * songs, 80% goes to the top 5,000 artists, a heavy tail with an exponent near 1.
 *
 * No single Zipf law gives all of these: with exponent 1 from the first rank the top 1,000 would
 * take about 40% of everything before 80% is reached, and an exponent flat enough for 13% (0.55,
 * the previous model) spreads 80% over most of any catalog. What fits is a flat head and a power
 * law of exponent about 1 beyond it, which is how listening is generated here anyway: a play picks
 * an artist, then one of that artist's songs. Both draws are Zipf–Mandelbrot laws (flat head,
 * power-law tail), and popular artists have larger catalogs. The parameters below were fitted to
 * the four figures on the exact distribution they define (popularityFigures in
 * src/stats/popularity-figures.ts computes them; test/unit/simulator/popularity-model.test.ts holds
 * them): top 1,000 tracks 13.1%, 80% over 221,000 tracks, 80% over 4,900 artists, exponent 0.97
 * over ranks 10,000–200,000, on the default 890,000 tracks of 42,400 artists.
 */
export const POPULARITY = {
  /** Artists: weight of the artist of rank a ∝ (a + 26)^-1.13. */
  artistExponent: 1.13,
  artistOffset: 26,
  /** A song within its artist's catalog: ∝ (j + 5.1)^-1.14, j = 0 the artist's biggest song. */
  songExponent: 1.14,
  songOffset: 5.1,
  /** Catalog size of the artist of rank a: 115 · (1 + a / 960)^-0.645 songs, at least 10. */
  largestCatalog: 115,
  catalogScaleArtists: 960,
  catalogDecay: 0.645,
  smallestCatalog: 10,
} as const;

/** The default catalog: every artist of the model down to the smallest catalogs (42,400 artists). */
export const DEFAULT_CATALOG_TRACKS = 890_000;

/**
 * Track keys: artist a's songs are keys firstKey[a] .. firstKey[a + 1] - 1, in the artist's own
 * popularity order. Everything a key stands for (id, name, album) is derived from it when needed
 * (virtual-catalog.ts); the model itself holds a few numbers per artist.
 */
export class PopularityModel {
  readonly artistCount: number;
  readonly trackCount: number;
  readonly artists: ZipfMandelbrot;
  readonly catalogSizes: Uint16Array;
  readonly firstKey: Int32Array;
  private readonly songs: ZipfMandelbrot[];

  /** Artists in popularity order until their catalogs hold `trackCount` songs (the last one cut short). */
  constructor(trackCount: number) {
    if (!(trackCount >= 1)) throw new RangeError(`a catalog needs at least one track, got ${trackCount}`);
    const sizes: number[] = [];
    let total = 0;
    while (total < trackCount) {
      const size = Math.min(catalogSize(sizes.length), trackCount - total);
      sizes.push(size);
      total += size;
    }
    this.trackCount = total;
    this.artistCount = sizes.length;
    this.catalogSizes = Uint16Array.from(sizes);
    this.firstKey = new Int32Array(sizes.length + 1);
    for (let a = 0; a < sizes.length; a++) this.firstKey[a + 1] = this.firstKey[a]! + sizes[a]!;
    this.artists = new ZipfMandelbrot(this.artistCount, POPULARITY.artistExponent, POPULARITY.artistOffset);
    // One law per distinct catalog size (a few hundred), shared by the artists of that size.
    const bySize = new Map<number, ZipfMandelbrot>();
    this.songs = sizes.map((size) => {
      let law = bySize.get(size);
      if (!law) bySize.set(size, (law = new ZipfMandelbrot(size, POPULARITY.songExponent, POPULARITY.songOffset)));
      return law;
    });
  }

  sampleArtist(rng: Uniform): number {
    return this.artists.rankOf(rng.next());
  }

  /** A song of `artist`, 0 = its most played. */
  sampleSong(artist: number, rng: Uniform): number {
    return this.songs[artist]!.rankOf(rng.next());
  }

  /** A track key drawn from the whole catalog's popularity. */
  sample(rng: Uniform): number {
    const artist = this.artists.rankOf(rng.next());
    return this.firstKey[artist]! + this.songs[artist]!.rankOf(rng.next());
  }

  keyOf(artist: number, song: number): number {
    return this.firstKey[artist]! + song;
  }

  artistOfKey(key: number): number {
    const first = this.firstKey;
    let lo = 0;
    let hi = this.artistCount - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (first[mid]! <= key) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Probability of song `song` within its artist's plays. */
  songProbability(artist: number, song: number): number {
    return this.songs[artist]!.probability(song);
  }

  /** Probability that a fresh draw (`sample`) gives `key`. */
  probability(key: number): number {
    const artist = this.artistOfKey(key);
    return this.artists.probability(artist) * this.songs[artist]!.probability(key - this.firstKey[artist]!);
  }

  /** The probability of every key: what the popularity figures are computed from when no sample is big enough. */
  probabilities(): Float64Array {
    const out = new Float64Array(this.trackCount);
    for (let artist = 0; artist < this.artistCount; artist++) {
      const share = this.artists.probability(artist);
      const law = this.songs[artist]!;
      const first = this.firstKey[artist]!;
      for (let song = 0; song < law.size; song++) out[first + song] = share * law.probability(song);
    }
    return out;
  }

  /** Artist shares, by artist rank. */
  artistProbabilities(): Float64Array {
    return Float64Array.from({ length: this.artistCount }, (_, artist) => this.artists.probability(artist));
  }
}

function catalogSize(artistRank: number): number {
  const { largestCatalog, catalogScaleArtists, catalogDecay, smallestCatalog } = POPULARITY;
  return Math.max(smallestCatalog, Math.round(largestCatalog * Math.pow(1 + artistRank / catalogScaleArtists, -catalogDecay)));
}
