import type { Catalog, CatalogTrack } from './catalog.js';
import { localTime } from './daily-cycle.js';
import { pickEpisode, type Episode, type PodcastCatalog } from './podcasts.js';
import type { Prng } from './prng.js';
import type { SessionSegments } from './play-encoder.js';
import { SimulatedPlay, type PlaySession } from './simulated-play.js';
import { episodeOutcome, musicOutcome, nextReasonStart, SESSION_START_REASONS, SESSION_START_WEIGHTS, type PlaybackContext, type PlaybackOutcome } from './skips.js';
import type { SimulatedUser } from './users.js';
import { isMobile } from './vocabulary.js';

/** Session model parameters; the means are exported so the rate calibration stays in step. */
export const MUSIC_CONTINUE_PROBABILITY = 0.93;
export const MAX_PLAYS_PER_SESSION = 150;
export const PODCAST_SESSION_SHARE = 0.25;
export const PODCAST_LISTENER_SHARE = 0.3;
export const OFFLINE_SESSION_SHARE_MOBILE = 0.07;
/** Share of rows with every content field null (a track since removed), as real exports have. */
const UNKNOWN_CONTENT_SHARE = 0.002;

const meanMusicPlays = 1 / (1 - MUSIC_CONTINUE_PROBABILITY);
const meanPodcastPlays = 1.6;
const podcastShare = PODCAST_SESSION_SHARE * PODCAST_LISTENER_SHARE;
export const MEAN_PLAYS_PER_SESSION = (1 - podcastShare) * meanMusicPlays + podcastShare * meanPodcastPlays;

export interface SessionIds {
  sessionId: string;
  /** See PlaySession.eventIdPrefix. */
  eventIdPrefix: string;
  /** The run's next event number (event ids are unique per run). */
  nextEventNumber(): number;
}

export interface World {
  catalog: Catalog;
  podcasts: PodcastCatalog;
}

function pickTrack(rng: Prng, world: World, user: SimulatedUser, previous: CatalogTrack | undefined, albumMode: boolean, lateNight: boolean): CatalogTrack {
  const tracks = world.catalog.tracks;
  if (albumMode && previous && previous.nextOnAlbum >= 0) return tracks[previous.nextOnAlbum]!;
  if (rng.chance(0.3)) return tracks[rng.pick(user.favouriteTracks)]!;
  let track = tracks[world.catalog.popularity.sample(rng)]!;
  for (let attempt = 0; attempt < 3; attempt++) {
    const liked = user.favouriteGenres.includes(track.genre);
    // Late at night listeners lean to calmer music.
    if ((liked || rng.chance(0.35)) && (!lateNight || track.calm || rng.chance(0.7))) break;
    track = tracks[world.catalog.popularity.sample(rng)]!;
  }
  return track;
}

/**
 * One listening session, generated lazily: `next()` makes the following play only when the
 * previous one is consumed, so a real-time run at a high rate holds one pending play per live
 * session, not whole sessions. Offline sessions are the exception: they are delivered together
 * when the device reconnects, minutes to days later (the late data the lake must place by event
 * time), so the simulator drains them at once with `drainOffline`.
 */
export class ListeningSession implements PlaySession {
  readonly platform: string;
  readonly mobile: boolean;
  readonly podcast: boolean;
  readonly shuffle: boolean;
  readonly offline: boolean;
  readonly incognito: boolean;
  readonly sessionId: string;
  readonly eventIdPrefix: string;
  segments: SessionSegments | undefined = undefined;
  private readonly albumMode: boolean;
  private readonly lateNight: boolean;
  private readonly playback: PlaybackContext;
  private clock: number;
  private reasonStart: string;
  private previous: CatalogTrack | undefined;
  private played = 0;
  private finished = false;

  constructor(
    private readonly rng: Prng,
    private readonly world: World,
    readonly user: SimulatedUser,
    startMs: number,
    private readonly endMs: number,
    private readonly ids: SessionIds,
  ) {
    this.sessionId = ids.sessionId;
    this.eventIdPrefix = ids.eventIdPrefix;
    this.platform = rng.chance(0.8) ? user.platform : user.secondaryPlatform;
    this.mobile = isMobile(this.platform);
    const local = localTime(startMs, user.utcOffsetHours);
    this.podcast = user.listensToPodcasts && rng.chance(PODCAST_SESSION_SHARE);
    this.shuffle = !this.podcast && rng.chance(this.mobile ? 0.55 : 0.35);
    this.albumMode = !this.shuffle && !this.podcast && rng.chance(0.3);
    this.offline = this.mobile && rng.chance(OFFLINE_SESSION_SHARE_MOBILE);
    this.incognito = rng.chance(0.015);
    this.lateNight = local.hour < 5;
    this.playback = { mobile: this.mobile, morning: local.hour >= 6 && local.hour < 11, weekend: local.weekend, ageGroup: user.ageGroup };
    this.clock = startMs;
    this.reasonStart = rng.weighted(SESSION_START_REASONS, SESSION_START_WEIGHTS);
  }

  get done(): boolean {
    return this.finished;
  }

  /** The next play, or undefined when the session is over (or reached the window's end). */
  next(): SimulatedPlay | undefined {
    if (this.finished) return undefined;
    const rng = this.rng;
    const podcast = this.podcast;
    const last = podcast ? !rng.chance(0.375) : !rng.chance(MUSIC_CONTINUE_PROBABILITY) || this.played === MAX_PLAYS_PER_SESSION - 1;
    let outcome: PlaybackOutcome;
    let durationMs: number;
    let kind: SimulatedPlay['kind'];
    let track: CatalogTrack | undefined;
    let episode: Episode | undefined;
    if (podcast) {
      episode = pickEpisode(rng, this.world.podcasts);
      durationMs = episode.durationMs;
      outcome = episodeOutcome(rng, durationMs);
      kind = 'podcast';
    } else {
      track = pickTrack(rng, this.world, this.user, this.previous, this.albumMode, this.lateNight);
      this.previous = track;
      durationMs = track.durationMs;
      outcome = musicOutcome(rng, durationMs, this.playback, last);
      kind = 'music';
      if (rng.chance(UNKNOWN_CONTENT_SHARE)) {
        track = undefined;
        kind = 'unknown';
      }
    }
    const playStartMs = this.clock;
    const eventTimeMs = playStartMs + outcome.msPlayed;
    if (eventTimeMs >= this.endMs) {
      this.finished = true;
      return undefined;
    }
    const play = new SimulatedPlay(this, this.ids.nextEventNumber(), playStartMs, eventTimeMs, this.reasonStart, outcome, track, episode, durationMs, kind);
    this.played++;
    if (last) {
      this.finished = true;
    } else {
      this.reasonStart = nextReasonStart(outcome.reasonEnd);
      // Gaps between tracks are short; now and then the listener pauses for a few minutes.
      this.clock = eventTimeMs + 200 + rng.int(1_500) + (rng.chance(0.03) ? Math.floor(rng.exponential(120_000)) : 0);
    }
    return play;
  }

  /** All remaining plays of an offline session, stamped with the time the device reconnects. */
  drainOffline(): SimulatedPlay[] {
    const plays: SimulatedPlay[] = [];
    for (let play = this.next(); play; play = this.next()) plays.push(play);
    if (plays.length > 0) {
      const reconnectMs = plays[plays.length - 1]!.eventTimeMs + Math.floor(Math.min(48 * 3_600_000, Math.max(120_000, this.rng.exponential(2 * 3_600_000))));
      for (const play of plays) play.deliverAtMs = reconnectMs;
    }
    return plays;
  }
}
