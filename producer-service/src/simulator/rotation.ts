import { ItemRng, itemSeed, type Prng } from './prng.js';
import type { PopularityModel } from './popularity-model.js';
import type { VirtualCatalog } from './virtual-catalog.js';
import { ZipfMandelbrot } from './zipf-mandelbrot.js';

/**
 * Repeat listening: each user returns to a personal rotation (favourite songs) and to a few
 * favourite artists, and discovers the rest from the catalog's popularity. Real listening is
 * dominated by such repeats — "most users favour repetition of the same songs" (Louail &
 * Barthelemy, 2017, months of Deezer plays) — but no study gives a share a simulator could be held
 * to, and docs/spotify-data.md has none, so the share is a setting (PRODUCER_REPEAT_SHARE) with this default.
 *
 * Rotation songs and favourite artists are drawn from the same popularity as discoveries, and every
 * slot is played alike in expectation, so repeats change who plays what, not the catalog-wide
 * popularity figures (the same expected share per track as fresh draws).
 */
export const DEFAULT_REPEAT_SHARE = 0.7;
/** Of the non-repeat picks, the share that goes to a favourite artist's catalog rather than anywhere. */
export const FAVOURITE_ARTIST_SHARE = 0.3;
/** A discovery replaces a rotation slot now and then: the rotation drifts as tastes do. */
export const ROTATION_RENEWAL = 0.08;
/** After a completed play, the same song again ("on repeat"). */
export const REPEAT_ONE = 0.02;

export interface Rotation {
  /** The songs, as (artist, song) of the popularity model; slot 0 is played most (a Zipf law over slots). Artist -1: not drawn yet. */
  artists: Int32Array;
  songs: Uint16Array;
  favouriteArtists: Int32Array;
  slots: ZipfMandelbrot;
  /** Draws a slot's song when the slot is first played: a slot never played costs nothing. */
  fill: ItemRng;
}

/** Heavy users keep a bigger rotation: 15–150 songs, median about 30 at activity 1. */
function rotationSize(rng: ItemRng, activity: number): number {
  const normal = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  return Math.max(15, Math.min(150, Math.round(30 * Math.sqrt(activity) * Math.exp(0.35 * normal))));
}

const slotLaws = new Map<number, ZipfMandelbrot>();

/** Made on the user's first session, from (seed, user): the same rotation whenever that is. */
export function buildRotation(seed: number, userIndex: number, activity: number, catalog: VirtualCatalog): Rotation {
  const rng = new ItemRng(itemSeed(seed, 'rotation', userIndex));
  const size = Math.min(rotationSize(rng, activity), catalog.trackCount);
  const favouriteArtists = new Int32Array(2 + rng.int(5));
  for (let i = 0; i < favouriteArtists.length; i++) favouriteArtists[i] = catalog.popularity.sampleArtist(rng);
  let slots = slotLaws.get(size);
  if (!slots) slotLaws.set(size, (slots = new ZipfMandelbrot(size, 1.1, 1)));
  return { artists: new Int32Array(size).fill(-1), songs: new Uint16Array(size), favouriteArtists, slots, fill: rng };
}

/** A slot of the rotation, favourites most often; a slot's first play draws its song from the catalog's popularity. */
export function pickRotationSlot(rotation: Rotation, rng: Prng, popularity: PopularityModel): number {
  const slot = rotation.slots.rankOf(rng.next());
  if (rotation.artists[slot]! < 0) {
    const artist = (rotation.artists[slot] = popularity.sampleArtist(rotation.fill));
    rotation.songs[slot] = popularity.sampleSong(artist, rotation.fill);
  }
  return slot;
}

export function favouriteArtist(rotation: Rotation, rng: Prng): number {
  return rotation.favouriteArtists[rng.int(rotation.favouriteArtists.length)]!;
}

/** A discovered song takes a random slot. */
export function renewRotation(rotation: Rotation, artist: number, song: number, rng: Prng): void {
  const slot = rng.int(rotation.artists.length);
  rotation.artists[slot] = artist;
  rotation.songs[slot] = song;
}

/**
 * The rotations of one simulation, made on each user's first session. They change as the users
 * discover music, so they belong to the run, not to the world: two simulations of one world (the
 * tests, a real-time run started warm) each start from the same rotations.
 */
export class Rotations {
  private readonly byUser: Array<Rotation | undefined> = [];

  constructor(
    private readonly seed: number,
    private readonly catalog: VirtualCatalog,
  ) {}

  of(user: { readonly index: number; readonly activity: number }): Rotation {
    return (this.byUser[user.index] ??= buildRotation(this.seed, user.index, user.activity, this.catalog));
  }
}
