import { buildAudiobooks, type AudiobookCatalog } from './audiobooks.js';
import { DEFAULT_QUIRK_RATES, type QuirkRates, type RealismMode } from './export-realism.js';
import { DEFAULT_CATALOG_TRACKS } from './popularity-model.js';
import { buildPodcasts, type PodcastCatalog } from './podcasts.js';
import { DEFAULT_REPEAT_SHARE } from './rotation.js';
import { buildUsers, type UserPopulation } from './users.js';
import { VirtualCatalog } from './virtual-catalog.js';

/** Everything that defines a simulated world (plain data: it crosses to the generator thread). */
export interface WorldOptions {
  seed: number;
  users: number;
  /** Tracks of the virtual catalog (DEFAULT_CATALOG_TRACKS: the whole popularity model). */
  tracks?: number;
  podcastShows?: number;
  audiobooks?: number;
  realism?: RealismMode;
  quirkRates?: QuirkRates;
  /** Share of music picks from the user's rotation (rotation.ts). */
  repeatShare?: number;
}

export interface RealismSettings {
  mode: RealismMode;
  quirks: QuirkRates;
}

/** What a session draws from. */
export interface SessionWorld {
  seed: number;
  catalog: VirtualCatalog;
  podcasts: PodcastCatalog;
  audiobooks: AudiobookCatalog;
  realism: RealismSettings;
  repeatShare: number;
}

export interface SimulatedWorld extends SessionWorld {
  population: UserPopulation;
}

/** Cheap to build whatever the catalog size: tracks, artists and rotations are made when first played. */
export function buildWorld(options: WorldOptions): SimulatedWorld {
  return {
    seed: options.seed,
    catalog: new VirtualCatalog(options.tracks ?? DEFAULT_CATALOG_TRACKS, options.seed),
    podcasts: buildPodcasts(options.podcastShows ?? 300, options.seed),
    audiobooks: buildAudiobooks(options.audiobooks ?? 60, options.seed),
    realism: { mode: options.realism ?? 'clean', quirks: options.quirkRates ?? { ...DEFAULT_QUIRK_RATES } },
    repeatShare: options.repeatShare ?? DEFAULT_REPEAT_SHARE,
    population: buildUsers(options.users, options.seed),
  };
}
