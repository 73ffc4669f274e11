import { itemSeedOf, labelSeed, Prng } from './prng.js';
import { ARTIST_SUFFIXES, CALM_GENRES, GENRES, GIVEN_NAMES, NAME_SYLLABLES, SURNAMES, WORDS } from './vocabulary.js';

/**
 * The catalog's artists, all of them made when the catalog is (42,400 by default, a few ms), as a
 * few typed arrays: a play reads one or two numbers of its artist, never an object per artist, so
 * the memory a play touches stays small enough for the CPU caches (see virtual-catalog.ts).
 *
 * An artist's songs (the popularity model's songs 0..size-1, most played first) are laid out in
 * release order through a fixed permutation, so its hits are spread over its releases: first
 * `albums` albums of `albumLength` songs, then singles. An album played through is then a run of
 * consecutive positions, and everything about the layout is arithmetic.
 */
const TAIL_BYTES = 40; // `"spotify:artist:` + 22 + `"}`
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Steps are primes above the largest catalog size, so every step is coprime with every size. */
const STEPS = [601, 607, 613, 617, 619, 631, 641, 643, 647, 653, 659, 661, 673, 677, 683, 691];

const genreIndexes = GENRES.map((_, i) => i);
const genreWeights = GENRES.map((genre) => genre.weight);

/** A made-up name from 3–4 syllables, capitalised ("Kalivo"). */
function coined(rng: Prng, syllables: number): string {
  let name = '';
  for (let i = 0; i < syllables; i++) name += rng.pick(NAME_SYLLABLES);
  return `${name[0]!.toUpperCase()}${name.slice(1)}`;
}

/**
 * Bands of words ("Velvet Orbit Club"), people ("Mara Lindqvist", "Jonas Tevora") and stage names
 * ("Kalivo"): about 800,000 forms, so most of the catalog's artists have a name of their own (some
 * share one, as real artists do: ids, not names, tell them apart — artist_uri).
 */
export function artistName(rng: Prng): string {
  const form = rng.int(10);
  if (form < 2) return `${rng.pick(WORDS)} ${rng.pick(WORDS)}${rng.pick(ARTIST_SUFFIXES)}`;
  if (form < 6) return `${rng.pick(GIVEN_NAMES)} ${rng.chance(0.1) ? rng.pick(SURNAMES) : coined(rng, 3)}`;
  return `${coined(rng, rng.between(3, 4))}${rng.chance(0.15) ? rng.pick(ARTIST_SUFFIXES) : ''}`;
}

export class ArtistTable {
  readonly count: number;
  readonly genre: Uint8Array;
  readonly calm: Uint8Array;
  readonly size: Uint16Array;
  private readonly step: Uint16Array;
  private readonly shift: Uint16Array;
  private readonly inverseStep: Uint16Array;
  /** Songs per album (its albums come first), and how many albums. */
  private readonly albumLength: Uint8Array;
  private readonly albums: Uint16Array;
  private readonly firstYear: Uint16Array;
  /**
   * Per artist, its name as a JSON string (quotes included) and its `"spotify:artist:<id>"}` (the
   * event's last field value and closing brace), back to back in two plain byte arrays: a play
   * copies a subarray with TypedArray#set. Buffer#copy costs several times that (it validates its
   * arguments in JavaScript: 0.5 µs an event over three copies, measured), and a view object per
   * artist is one more cache miss per play on a catalog this size.
   */
  private readonly nameBytes: Uint8Array;
  private readonly nameAt: Int32Array;
  private readonly tails: Uint8Array;

  constructor(seed: number, sizes: Uint16Array) {
    const count = sizes.length;
    this.count = count;
    this.size = sizes;
    this.genre = new Uint8Array(count);
    this.calm = new Uint8Array(count);
    this.step = new Uint16Array(count);
    this.shift = new Uint16Array(count);
    this.inverseStep = new Uint16Array(count);
    this.albumLength = new Uint8Array(count);
    this.albums = new Uint16Array(count);
    this.firstYear = new Uint16Array(count);
    const tails = Buffer.alloc(count * TAIL_BYTES);
    this.nameAt = new Int32Array(count + 1);
    const names: Buffer[] = [];
    const label = labelSeed(seed, 'artist');
    for (let rank = 0; rank < count; rank++) {
      const rng = new Prng(itemSeedOf(label, rank));
      let id = '';
      for (let i = 0; i < 22; i++) id += BASE62[rng.int(62)];
      tails.write(`"spotify:artist:${id}"}`, rank * TAIL_BYTES, 'latin1');
      const genre = rng.weighted(genreIndexes, genreWeights);
      this.genre[rank] = genre;
      this.calm[rank] = CALM_GENRES.has(GENRES[genre]!.name) ? 1 : 0;
      const name = Buffer.from(JSON.stringify(artistName(rng)));
      names.push(name);
      this.nameAt[rank + 1] = this.nameAt[rank]! + name.length;
      const size = sizes[rank]!;
      // About 60% of an artist's songs on albums of 6–16, the rest singles, as the earlier catalog had.
      const albumLength = Math.min(size, rng.between(6, 16));
      this.albumLength[rank] = albumLength;
      this.albums[rank] = Math.floor((size * (0.45 + 0.3 * rng.next())) / albumLength);
      this.firstYear[rank] = rng.between(1965, 2020);
      const step = STEPS[rng.int(STEPS.length)]! % size || 1;
      this.step[rank] = step;
      this.shift[rank] = rng.int(size);
      this.inverseStep[rank] = modularInverse(step, size);
    }
    this.nameBytes = Uint8Array.from(Buffer.concat(names));
    this.tails = Uint8Array.from(tails);
  }

  /** Position of song `song` (0 = most played) in the artist's release order. */
  position(rank: number, song: number): number {
    return (song * this.step[rank]! + this.shift[rank]!) % this.size[rank]!;
  }

  songAt(rank: number, position: number): number {
    const size = this.size[rank]!;
    return (((position - this.shift[rank]! + size) % size) * this.inverseStep[rank]!) % size;
  }

  album(rank: number, position: number): number {
    const length = this.albumLength[rank]!;
    const inAlbums = this.albums[rank]! * length;
    return position < inAlbums ? Math.floor(position / length) : this.albums[rank]! + position - inAlbums;
  }

  isSingle(rank: number, album: number): boolean {
    return album >= this.albums[rank]!;
  }

  /** First position of an album, and the position after its last. */
  albumStart(rank: number, album: number): number {
    const albums = this.albums[rank]!;
    return album < albums ? album * this.albumLength[rank]! : albums * this.albumLength[rank]! + album - albums;
  }

  albumEnd(rank: number, album: number): number {
    return album < this.albums[rank]! ? (album + 1) * this.albumLength[rank]! : this.albumStart(rank, album) + 1;
  }

  releaseYear(rank: number, album: number): number {
    return Math.min(2024, this.firstYear[rank]! + Math.floor(album / 2));
  }

  /** Bytes of the name as a JSON string. */
  nameLength(rank: number): number {
    return this.nameAt[rank + 1]! - this.nameAt[rank]!;
  }

  writeName(out: Uint8Array, at: number, rank: number): number {
    const from = this.nameAt[rank]!;
    const to = this.nameAt[rank + 1]!;
    out.set(this.nameBytes.subarray(from, to), at);
    return at + to - from;
  }

  writeTail(out: Uint8Array, at: number, rank: number): number {
    out.set(this.tails.subarray(rank * TAIL_BYTES, rank * TAIL_BYTES + TAIL_BYTES), at);
    return at + TAIL_BYTES;
  }

  name(rank: number): string {
    return JSON.parse(Buffer.from(this.nameBytes.subarray(this.nameAt[rank]!, this.nameAt[rank + 1]!)).toString('utf8')) as string;
  }

  id(rank: number): string {
    return Buffer.from(this.tails.subarray(rank * TAIL_BYTES + 16, rank * TAIL_BYTES + 38)).toString('latin1');
  }

  uri(rank: number): string {
    return `spotify:artist:${this.id(rank)}`;
  }
}

export const ARTIST_TAIL_BYTES = TAIL_BYTES;

/** x with (step · x) mod size = 1 (extended Euclid); step and size are coprime. */
function modularInverse(step: number, size: number): number {
  if (size === 1) return 0;
  let [oldR, r] = [step % size, size];
  let [oldS, s] = [1, 0];
  while (r !== 0) {
    const q = Math.floor(oldR / r);
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % size) + size) % size;
}
