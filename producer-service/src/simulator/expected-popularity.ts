import { ALBUM_SESSION_SHARE, MUSIC_CONTINUE_PROBABILITY, SHUFFLE_SHARE_DESKTOP, SHUFFLE_SHARE_MOBILE } from './session.js';
import type { VirtualCatalog } from './virtual-catalog.js';
import { isMobile, PLATFORM_WEIGHTS } from './vocabulary.js';

/**
 * The share of music plays each track and each artist can expect from the simulator: what the
 * popularity figures are measured on when no sample can show them (80% of listening over ~222,000
 * songs needs tens of millions of plays).
 *
 * Fresh picks — rotation slots, favourite artists, discoveries — are all drawn from the catalog's
 * popularity, so they follow its probabilities. Album sessions differ: a pick chooses an album (with
 * the summed probability of its songs) and the session plays it from its first song, each next song
 * one more continuation (MUSIC_CONTINUE_PROBABILITY) away. Late-night calm redraws tilt a few
 * percent of plays towards calm artists; that is left out.
 */
export function albumPlayShare(): number {
  let mobile = 0;
  let total = 0;
  for (const [platform, weight] of PLATFORM_WEIGHTS) {
    total += weight;
    if (isMobile(platform)) mobile += weight;
  }
  const m = mobile / total;
  return ALBUM_SESSION_SHARE * (m * (1 - SHUFFLE_SHARE_MOBILE) + (1 - m) * (1 - SHUFFLE_SHARE_DESKTOP));
}

export function expectedPopularity(catalog: VirtualCatalog, albumShare = albumPlayShare()): { tracks: Float64Array; artists: Float64Array } {
  const popularity = catalog.popularity;
  const artists = catalog.artists;
  const fresh = popularity.probabilities();
  const album = new Float64Array(fresh.length);
  let albumTotal = 0;
  for (let artist = 0; artist < popularity.artistCount; artist++) {
    const first = popularity.firstKey[artist]!;
    const size = popularity.catalogSizes[artist]!;
    // Albums by position: sum the chance a pick lands on each, then spread it down the album.
    const weights = new Map<number, number>();
    for (let song = 0; song < size; song++) {
      const a = artists.album(artist, artists.position(artist, song));
      weights.set(a, (weights.get(a) ?? 0) + fresh[first + song]!);
    }
    for (const [a, weight] of weights) {
      let reach = 1;
      for (let position = artists.albumStart(artist, a); position < artists.albumEnd(artist, a); position++) {
        const share = weight * reach;
        album[first + artists.songAt(artist, position)] = share;
        albumTotal += share;
        reach *= MUSIC_CONTINUE_PROBABILITY;
      }
    }
  }
  const tracks = new Float64Array(fresh.length);
  for (let key = 0; key < fresh.length; key++) tracks[key] = (1 - albumShare) * fresh[key]! + (albumShare * album[key]!) / albumTotal;
  return { tracks, artists: popularity.artistProbabilities() };
}
