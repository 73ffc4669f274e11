import { episodeContentBytes } from '../encoding/content-bytes.js';
import { base62Id, Prng } from './prng.js';
import { WORDS } from './vocabulary.js';
import { ZipfMandelbrot } from './zipf-mandelbrot.js';

export interface Episode {
  uri: string;
  name: string;
  showName: string;
  durationMs: number;
  /** The event's content fields as UTF-8 JSON up to the episode's own, encoded once; EPISODE_CONTENT_TAIL follows. */
  contentBytes: Buffer;
}

export interface PodcastCatalog {
  shows: Episode[][];
  /** Show popularity is even more concentrated than music. */
  popularity: ZipfMandelbrot;
}

const SHOW_FORMS = ['The {} Podcast', '{} Daily', 'Inside {}', '{} Talks', 'The {} Hour', '{} Stories'] as const;

/** Podcast shows with episodes of 15–120 minutes; listeners mostly play the newest episodes. */
export function buildPodcasts(showCount: number, seed: number): PodcastCatalog {
  const rng = new Prng(seed).fork('podcasts');
  const shows: Episode[][] = [];
  for (let s = 0; s < showCount; s++) {
    const showName = rng.pick(SHOW_FORMS).replace('{}', rng.pick(WORDS));
    const typicalMinutes = rng.between(15, 90);
    const episodes: Episode[] = [];
    const count = rng.between(5, 40);
    for (let e = 0; e < count; e++) {
      const uri = `spotify:episode:${base62Id(rng)}`;
      const name = `#${count - e}: ${rng.pick(WORDS)} ${rng.pick(WORDS)}`;
      episodes.push({
        uri,
        name,
        showName,
        durationMs: Math.round(typicalMinutes * 60_000 * Math.exp(rng.normal(0, 0.2))),
        contentBytes: episodeContentBytes(uri, name, showName),
      });
    }
    shows.push(episodes);
  }
  return { shows, popularity: new ZipfMandelbrot(showCount, 1, 1) };
}

/** Newest episodes first: index 0 is the latest, with a geometric fall-off behind it. */
export function pickEpisode(rng: Prng, catalog: PodcastCatalog): Episode {
  const show = catalog.shows[catalog.popularity.rankOf(rng.next())]!;
  let index = 0;
  while (index < show.length - 1 && rng.chance(0.35)) index++;
  return show[index]!;
}
