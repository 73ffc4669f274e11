import type { Track } from '@spotify-pipeline/shared/schemas';
import { base62Id, Prng } from './prng.js';
import { ARTIST_SUFFIXES, CALM_GENRES, GENRES, WORDS, type GenreProfile } from './vocabulary.js';
import { ZipfSampler } from './zipf.js';

/**
 * Zipf exponent of track popularity. Lamere's "top 1,000 songs take ~13% of listening" is over
 * millions of songs with an exponent near 1; on a catalog of tens of thousands the same head share
 * needs a flatter law, so the exponent is chosen for the head share, not copied.
 */
export const POPULARITY_EXPONENT = 0.55;

export interface CatalogTrack {
  /** Popularity rank: 0 is the most played track. */
  rank: number;
  id: string;
  uri: string;
  name: string;
  artistId: string;
  artistName: string;
  albumId: string;
  albumName: string;
  /** Index of the next track on the same album (album plays run in order), or -1. */
  nextOnAlbum: number;
  genre: number;
  calm: boolean;
  durationMs: number;
  /** The track's own content fields as UTF-8 JSON, in contract order, encoded once (see play-encoder); TRACK_CONTENT_TAIL follows. */
  contentBytes: Buffer;
  track: Track;
}

export interface Catalog {
  tracks: CatalogTrack[];
  /** Ranks → track, the sampler's order. */
  popularity: ZipfSampler;
  genres: readonly GenreProfile[];
  /** Track indexes per genre, by rank. */
  byGenre: number[][];
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function title(rng: Prng, words: number): string {
  let name = rng.pick(WORDS);
  for (let i = 1; i < words; i++) name += ` ${rng.pick(WORDS)}`;
  return name;
}

function audioFeatures(rng: Prng, genre: GenreProfile, durationMs: number, updatedAt: string, base: Omit<Track, 'danceability' | 'energy' | 'key' | 'loudness' | 'mode' | 'speechiness' | 'acousticness' | 'instrumentalness' | 'liveness' | 'valence' | 'tempo' | 'time_signature' | 'duration_ms' | 'updated_at' | 'schema_version'>): Track {
  return {
    schema_version: 1,
    ...base,
    duration_ms: durationMs,
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
    updated_at: updatedAt,
  };
}

const NO_EPISODE_JSON = '"episode_name":null,"episode_show_name":null,"episode_uri":null';
const NO_AUDIOBOOK_JSON = '"audiobook_title":null,"audiobook_uri":null,"audiobook_chapter_uri":null,"audiobook_chapter_title":null';

/** Content fields of a play with no known content (a track since removed). */
export const UNKNOWN_CONTENT_BYTES = Buffer.from(`"track_uri":null,"track_name":null,"artist_name":null,"album_name":null,${NO_EPISODE_JSON},${NO_AUDIOBOOK_JSON}`);

/**
 * The null fields after a track's or an episode's own: the same for all of them, so kept once here
 * rather than in each one's bytes. That halves the catalog's bytes, and the encoder's copy of them,
 * which on a catalog bigger than the CPU caches is mostly cache misses.
 */
export const TRACK_CONTENT_TAIL = Buffer.from(`,${NO_EPISODE_JSON},${NO_AUDIOBOOK_JSON}`);
export const EPISODE_CONTENT_TAIL = Buffer.from(`,${NO_AUDIOBOOK_JSON}`);
export const NO_CONTENT_TAIL = Buffer.alloc(0);

function musicContentJson(uri: string, name: string, artist: string, album: string): string {
  const q = JSON.stringify;
  return `"track_uri":${q(uri)},"track_name":${q(name)},"artist_name":${q(artist)},"album_name":${q(album)}`;
}

/** An episode's content fields up to its own; EPISODE_CONTENT_TAIL follows. */
export function episodeContentJson(uri: string, name: string, show: string): string {
  const q = JSON.stringify;
  return `"track_uri":null,"track_name":null,"artist_name":null,"album_name":null,"episode_name":${q(name)},"episode_show_name":${q(show)},"episode_uri":${q(uri)}`;
}

/**
 * Builds the track catalog: artists with albums of consecutive tracks, genre-shaped audio features,
 * log-normal durations, and a popularity rank drawn independently of the artist order so hits are
 * spread over the catalog like real ones.
 */
export function buildCatalog(size: number, seed: number, updatedAt = '2024-01-01T00:00:00.000Z'): Catalog {
  const rng = new Prng(seed).fork('catalog');
  const genreWeights = GENRES.map((genre) => genre.weight);
  const genreIndexes = GENRES.map((_, i) => i);
  // A random permutation assigns popularity ranks to tracks built in artist order.
  const ranks = Array.from({ length: size }, (_, i) => i);
  for (let i = size - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [ranks[i], ranks[j]] = [ranks[j]!, ranks[i]!];
  }
  const tracks = new Array<CatalogTrack>(size);
  let built = 0;
  while (built < size) {
    const genreIndex = rng.weighted(genreIndexes, genreWeights);
    const genre = GENRES[genreIndex]!;
    const artistId = base62Id(rng);
    const artistName = `${title(rng, rng.between(1, 2))}${rng.pick(ARTIST_SUFFIXES)}`;
    const albums = rng.between(1, 4);
    for (let a = 0; a < albums && built < size; a++) {
      const albumId = base62Id(rng);
      const albumName = title(rng, rng.between(1, 3));
      const releaseDate = `${rng.between(1965, 2024)}-${String(rng.between(1, 12)).padStart(2, '0')}-${String(rng.between(1, 28)).padStart(2, '0')}`;
      const albumTracks = Math.min(size - built, rng.chance(0.4) ? 1 : rng.between(6, 16));
      for (let t = 0; t < albumTracks; t++) {
        const rank = ranks[built]!;
        const id = base62Id(rng);
        const durationMs = Math.round(Math.max(45, Math.min(900, genre.durationSec * Math.exp(rng.normal(0, 0.25)))) * 1000);
        const name = title(rng, rng.between(1, 3));
        const track = audioFeatures(rng, genre, durationMs, updatedAt, {
          track_id: id,
          uri: `spotify:track:${id}`,
          name,
          artist_id: artistId,
          artist_name: artistName,
          album_id: albumId,
          album_name: albumName,
          release_date: releaseDate,
          explicit: rng.chance(genre.explicitRate),
          popularity: Math.max(0, Math.round(100 * (1 - Math.log(rank + 1) / Math.log(size + 1)))),
          genre: genre.name,
          isrc: `US${base62Id(rng, 3).toUpperCase()}${String(rng.between(10, 24))}${String(rng.int(100_000)).padStart(5, '0')}`,
        });
        tracks[rank] = {
          rank,
          id,
          uri: track.uri,
          name,
          artistId,
          artistName,
          albumId,
          albumName,
          nextOnAlbum: t + 1 < albumTracks ? ranks[built + 1]! : -1,
          genre: genreIndex,
          calm: CALM_GENRES.has(genre.name),
          durationMs,
          contentBytes: Buffer.from(musicContentJson(track.uri, name, artistName, albumName)),
          track,
        };
        built++;
      }
    }
  }
  const byGenre: number[][] = GENRES.map(() => []);
  for (const track of tracks) byGenre[track.genre]!.push(track.rank);
  return { tracks, popularity: new ZipfSampler(size, POPULARITY_EXPONENT), genres: GENRES, byGenre };
}
