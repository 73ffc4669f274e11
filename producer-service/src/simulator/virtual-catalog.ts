import type { Track } from '@spotify-pipeline/shared/schemas';
import { ArtistTable } from './artists.js';
import { drawWords, MAX_NAME_BYTES, wordsText, writeWords } from './catalog-names.js';
import { PopularityModel } from './popularity-model.js';
import { base62Id, ItemRng, itemSeed, itemSeedOf, labelSeed, Prng } from './prng.js';
import { GENRES, type GenreProfile } from './vocabulary.js';

/** How a play names its track: under its URI, under the recording's second URI, or as a local file (export realism). */
export const TrackVariant = { Main: 0, Alternate: 1, LocalFile: 2 } as const;
export type TrackVariant = (typeof TrackVariant)[keyof typeof TrackVariant];

export interface TrackNames {
  id: string;
  uri: string;
  name: string;
  artistId: string;
  artistUri: string;
  artistName: string;
  albumName: string;
}

/**
 * The most played tracks keep their content bytes (HOT_TRACKS of them, most played first in one
 * buffer: the part of the catalog most plays touch stays in the CPU caches). Any other track is
 * written straight into the event from its key (catalog-names.ts): reading the ~130 bytes of a
 * rarely played track from memory costs more than computing them (measured: a cold copy ~1 µs a
 * play on this machine, computing them ~0.4 µs), and nothing per track is kept, so memory is
 * bounded by the hot set whatever the catalog size and the run length.
 */
const HOT_TRACKS = 1 << 15;

const BASE62 = Buffer.from('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz');
const URI_KEY = Buffer.from('"track_uri":"spotify:track:');
const LOCAL_URI_KEY = Buffer.from('"track_uri":null,"track_name":"');
const NAME_KEY = Buffer.from('","track_name":"');
const ARTIST_KEY = Buffer.from('","artist_name":');
const ALBUM_KEY = Buffer.from(',"album_name":"');
const QUOTE = 0x22;
const FIXED_BYTES = URI_KEY.length + 22 + NAME_KEY.length + ARTIST_KEY.length + ALBUM_KEY.length + 1;

/**
 * The virtual catalog: tracks exist as (artist, song) of the popularity model, and everything
 * about one — id, name, album, duration — is drawn from (seed, key) when needed, the same in any
 * order of play, in the generator thread and in the thread that publishes the tracks topic.
 */
export class VirtualCatalog {
  readonly popularity: PopularityModel;
  readonly artists: ArtistTable;
  readonly genres: readonly GenreProfile[] = GENRES;
  /** Per artist, how many of its songs are hot (the first ones) and their first hot slot. */
  private readonly hotSongs: Uint16Array;
  private readonly hotFirst: Int32Array;
  /** Hot track i (by slot): content bytes hotBytes[hotAt[i] .. hotAt[i] + hotLength[i]) (most played first), and duration. */
  private readonly hotBytes: Uint8Array;
  private readonly hotAt: Int32Array;
  private readonly hotLength: Uint16Array;
  /** Every track's duration in whole seconds (1.8 MB for the default catalog): one read per play, not three Math calls. */
  private readonly durationSeconds: Uint16Array;
  /** Bytes a computed track's content takes at most (the longest artist name, the longest names). */
  readonly maxContentBytes: number;
  private readonly rng = new ItemRng();
  private readonly trackSeeds: number;
  private readonly albumSeeds: number;
  private readonly alternateSeeds: number;
  private readonly idChars = new Uint8Array(22);
  private readonly words = new Uint8Array(3);

  constructor(
    readonly size: number,
    readonly seed: number,
  ) {
    this.popularity = new PopularityModel(size);
    this.artists = new ArtistTable(seed, this.popularity.catalogSizes);
    this.trackSeeds = labelSeed(seed, 'track');
    this.albumSeeds = labelSeed(seed, 'album');
    this.alternateSeeds = labelSeed(seed, 'alternate');
    const { songs, first } = this.topSongs(HOT_TRACKS);
    this.hotSongs = songs;
    this.hotFirst = first;
    const hot = first[first.length - 1]!;
    this.hotAt = new Int32Array(hot);
    this.hotLength = new Uint16Array(hot);
    this.durationSeconds = new Uint16Array(this.popularity.trackCount);
    for (let artist = 0; artist < this.popularity.artistCount; artist++) {
      const first = this.popularity.firstKey[artist]!;
      for (let song = 0; song < this.popularity.catalogSizes[artist]!; song++) this.durationSeconds[first + song] = this.computeDurationSeconds(artist, song);
    }
    let longestName = 0;
    for (let artist = 0; artist < this.artists.count; artist++) longestName = Math.max(longestName, this.artists.nameLength(artist));
    this.maxContentBytes = FIXED_BYTES + 2 * MAX_NAME_BYTES + longestName;
    // Laid out most played first: the tracks most plays touch lie together.
    const order = this.byPopularity(songs, first);
    let bytes = 0;
    for (const [artist] of order) bytes += this.computedBound(artist);
    this.hotBytes = new Uint8Array(bytes);
    let at = 0;
    for (const [artist, song] of order) {
      const slot = first[artist]! + song;
      const end = this.computeContent(artist, song, TrackVariant.Main, this.hotBytes, at);
      this.hotAt[slot] = at;
      this.hotLength[slot] = end - at;
      at = end;
    }
  }

  get trackCount(): number {
    return this.popularity.trackCount;
  }

  keyOf(artist: number, song: number): number {
    return this.popularity.firstKey[artist]! + song;
  }

  isCalm(artist: number): boolean {
    return this.artists.calm[artist] === 1;
  }

  durationOf(artist: number, song: number): number {
    return this.durationSeconds[this.popularity.firstKey[artist]! + song]! * 1000;
  }

  private computedBound(artist: number): number {
    return FIXED_BYTES + 2 * MAX_NAME_BYTES + this.artists.nameLength(artist);
  }

  /** Writes `"track_uri":…,"track_name":…,"artist_name":…,"album_name":…` at `at`; returns the offset after. */
  writeContent(artist: number, song: number, variant: TrackVariant, out: Uint8Array, at: number): number {
    if (variant === TrackVariant.Main && song < this.hotSongs[artist]!) {
      const slot = this.hotFirst[artist]! + song;
      const from = this.hotAt[slot]!;
      const length = this.hotLength[slot]!;
      out.set(this.hotBytes.subarray(from, from + length), at);
      return at + length;
    }
    return this.computeContent(artist, song, variant, out, at);
  }

  /** The event's closing `"artist_uri":…}` value of the artist. */
  writeArtistTail(artist: number, out: Uint8Array, at: number): number {
    return this.artists.writeTail(out, at, artist);
  }

  /** Whether the recording also has a second URI: `share` of the catalog's tracks, chosen by key. */
  hasAlternate(artist: number, song: number, share: number): boolean {
    return itemSeedOf(this.alternateSeeds, this.keyOf(artist, song)) / 4294967296 < share;
  }

  /** The draws of a track, in their one fixed order: duration first (what the session model needs), then the id, then the name. */
  private startTrack(artist: number, song: number): ItemRng {
    return this.rng.reset(itemSeedOf(this.trackSeeds, this.keyOf(artist, song)));
  }

  private computeDurationSeconds(artist: number, song: number): number {
    const rng = this.startTrack(artist, song);
    // Log-normal around the genre's typical length (Box–Muller for the normal draw).
    const normal = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    return Math.round(Math.max(45, Math.min(900, GENRES[this.artists.genre[artist]!]!.durationSec * Math.exp(0.25 * normal))));
  }

  /** The id's 22 base-62 characters into `this.idChars`: five digits from each 32 random bits (62^5 < 2^32). */
  private drawId(rng: ItemRng): Uint8Array {
    const id = this.idChars;
    for (let i = 0; i < 22; ) {
      let bits = rng.nextUint32();
      for (let j = 0; j < 5 && i < 22; j++, i++) {
        const next = Math.floor(bits / 62);
        id[i] = BASE62[bits - next * 62]!;
        bits = next;
      }
    }
    return id;
  }

  private computeContent(artist: number, song: number, variant: TrackVariant, out: Uint8Array, at: number): number {
    const rng = this.startTrack(artist, song);
    rng.next();
    rng.next();
    const id = this.drawId(rng);
    const words = this.words;
    const count = drawWords(rng, words);
    let o = at;
    if (variant === TrackVariant.LocalFile) {
      out.set(LOCAL_URI_KEY, o);
      o += LOCAL_URI_KEY.length;
    } else {
      out.set(URI_KEY, o);
      out.set(variant === TrackVariant.Alternate ? this.drawId(this.rng.reset(itemSeedOf(this.alternateSeeds, this.keyOf(artist, song)) ^ 0x5bd1e995)) : id, o + URI_KEY.length);
      o += URI_KEY.length + 22;
      out.set(NAME_KEY, o);
      o += NAME_KEY.length;
    }
    o = writeWords(out, o, words, count);
    out.set(ARTIST_KEY, o);
    o = this.artists.writeName(out, o + ARTIST_KEY.length, artist);
    out.set(ALBUM_KEY, o);
    o += ALBUM_KEY.length;
    const album = this.artists.album(artist, this.artists.position(artist, song));
    // A single is named after its song; an album has its own name, the same for all its tracks.
    o = this.artists.isSingle(artist, album) ? writeWords(out, o, words, count) : this.writeAlbumName(artist, album, out, o);
    out[o] = QUOTE;
    return o + 1;
  }

  private albumSeed(artist: number, album: number): number {
    return itemSeedOf(this.albumSeeds, artist * 1024 + album);
  }

  private writeAlbumName(artist: number, album: number, out: Uint8Array, at: number): number {
    const words = this.words;
    return writeWords(out, at, words, drawWords(this.rng.reset(this.albumSeed(artist, album)), words));
  }

  /** The track's names as strings, from the same draws as its bytes (events for tests, the tracks topic). */
  describe(artist: number, song: number, variant: TrackVariant = TrackVariant.Main): TrackNames {
    const rng = this.startTrack(artist, song);
    rng.next();
    rng.next();
    let id = Buffer.from(this.drawId(rng)).toString('latin1');
    const name = wordsText(this.words, drawWords(rng, this.words));
    if (variant === TrackVariant.Alternate) id = Buffer.from(this.drawId(this.rng.reset(itemSeedOf(this.alternateSeeds, this.keyOf(artist, song)) ^ 0x5bd1e995))).toString('latin1');
    const album = this.artists.album(artist, this.artists.position(artist, song));
    const albumName = this.artists.isSingle(artist, album) ? name : wordsText(this.words, drawWords(this.rng.reset(this.albumSeed(artist, album)), this.words));
    return { id, uri: `spotify:track:${id}`, name, artistId: this.artists.id(artist), artistUri: this.artists.uri(artist), artistName: this.artists.name(artist), albumName };
  }

  /** The next song of the album (release order) after `song`, or -1 after its last. */
  nextOnAlbum(artist: number, song: number): number {
    const artists = this.artists;
    const position = artists.position(artist, song);
    const next = position + 1;
    return next < artists.albumEnd(artist, artists.album(artist, position)) ? artists.songAt(artist, next) : -1;
  }

  /** The first song of the album holding `song`. */
  albumOpener(artist: number, song: number): number {
    const artists = this.artists;
    return artists.songAt(artist, artists.albumStart(artist, artists.album(artist, artists.position(artist, song))));
  }

  /** The track's `tracks` record (audio features by genre), made on demand: publishing and statistics, never per play. */
  trackRecord(artist: number, song: number, updatedAt = '2024-01-01T00:00:00.000Z'): Track {
    const names = this.describe(artist, song);
    const key = this.keyOf(artist, song);
    const rng = new Prng(itemSeed(this.seed, 'features', key));
    const genre = GENRES[this.artists.genre[artist]!]!;
    const album = this.artists.album(artist, this.artists.position(artist, song));
    const year = this.artists.releaseYear(artist, album);
    return {
      schema_version: 1,
      track_id: names.id,
      uri: names.uri,
      name: names.name,
      artist_id: names.artistId,
      artist_name: names.artistName,
      album_id: base62Id(new Prng(itemSeed(this.seed, 'album-id', artist * 1024 + album))),
      album_name: names.albumName,
      release_date: `${year}-${String(rng.between(1, 12)).padStart(2, '0')}-${String(rng.between(1, 28)).padStart(2, '0')}`,
      duration_ms: this.durationOf(artist, song),
      explicit: rng.chance(genre.explicitRate),
      // Web API popularity is 0–100 and roughly logarithmic in plays: 100 for the top track, 0 a million times fewer plays.
      popularity: Math.max(0, Math.min(100, Math.round(100 + (100 / 6) * Math.log10(this.popularity.probability(key) / this.popularity.probability(0))))),
      genre: genre.name,
      isrc: `US${base62Id(rng, 3).toUpperCase()}${String(rng.between(10, 24))}${String(rng.int(100_000)).padStart(5, '0')}`,
      ...audioFeatures(rng, genre),
      updated_at: updatedAt,
    };
  }

  /** The `count` most played tracks as (artist, song), most played first: what the `tracks` topic gets. */
  headTracks(count: number): Array<[artist: number, song: number]> {
    const { songs, first } = this.topSongs(count);
    return this.byPopularity(songs, first);
  }

  private byPopularity(songs: Uint16Array, first: Int32Array): Array<[number, number]> {
    const tracks: Array<[number, number]> = [];
    const weights = new Float64Array(first[first.length - 1]!);
    for (let artist = 0; artist < songs.length; artist++) {
      const share = this.popularity.artists.probability(artist);
      for (let song = 0; song < songs[artist]!; song++) {
        tracks.push([artist, song]);
        weights[first[artist]! + song] = share * this.popularity.songProbability(artist, song);
      }
    }
    const weight = ([artist, song]: [number, number]): number => weights[first[artist]! + song]!;
    return tracks.sort((a, b) => weight(b) - weight(a) || a[0] - b[0] || a[1] - b[1]);
  }

  /**
   * The `count` most probable tracks, as "the first n songs of each artist" (a song's probability
   * falls with its rank within the artist, so the top of the catalog is such a staircase).
   */
  private topSongs(count: number): { songs: Uint16Array; first: Int32Array } {
    const popularity = this.popularity;
    const probabilities = popularity.probabilities();
    const wanted = Math.min(count, probabilities.length);
    const threshold = wanted === 0 ? Infinity : Float64Array.from(probabilities).sort()[probabilities.length - wanted]!;
    const songs = new Uint16Array(popularity.artistCount);
    const first = new Int32Array(popularity.artistCount + 1);
    let taken = 0;
    for (let artist = 0; artist < popularity.artistCount; artist++) {
      const from = popularity.firstKey[artist]!;
      let n = 0;
      // Ties at the threshold could exceed `wanted` by a few: stop at it.
      while (n < popularity.catalogSizes[artist]! && probabilities[from + n]! >= threshold && taken < wanted) {
        n++;
        taken++;
      }
      songs[artist] = n;
      first[artist + 1] = first[artist]! + n;
    }
    return { songs, first };
  }
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function audioFeatures(rng: Prng, genre: GenreProfile): Pick<Track, 'danceability' | 'energy' | 'key' | 'loudness' | 'mode' | 'speechiness' | 'acousticness' | 'instrumentalness' | 'liveness' | 'valence' | 'tempo' | 'time_signature'> {
  return {
    danceability: round3(rng.unit(genre.danceability, 0.12)),
    energy: round3(rng.unit(genre.energy, 0.14)),
    key: rng.chance(0.02) ? -1 : rng.int(12),
    loudness: round3(Math.max(-60, Math.min(0, rng.normal(genre.loudness, 2.5)))),
    mode: rng.chance(0.62) ? 1 : 0,
    speechiness: round3(rng.unit(genre.speechiness, 0.04)),
    acousticness: round3(rng.unit(genre.acousticness, 0.15)),
    instrumentalness: round3(rng.unit(genre.instrumentalness, 0.15)),
    liveness: round3(rng.unit(0.17, 0.1)),
    valence: round3(rng.unit(genre.valence, 0.18)),
    tempo: round3(Math.max(40, Math.min(220, rng.normal(genre.tempo, 18)))),
    time_signature: rng.weighted([4, 3, 5, 7], [90, 7, 2, 1]),
  };
}
