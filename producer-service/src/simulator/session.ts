import { EPISODE_CONTENT_TAIL, NO_CONTENT_TAIL, TRACK_CONTENT_TAIL, UNKNOWN_CONTENT_BYTES } from '../encoding/content-bytes.js';
import type { SessionSegments } from '../encoding/encodable-play.js';
import { pickBook, type Chapter } from './audiobooks.js';
import { localTime } from './daily-cycle.js';
import { AUDIOBOOKS_FROM_MS, EMPTY_REASONS_UNTIL_MS, oddOfflineTimestamp, onlineOfflineTimestamp, periodPlatform, periodSkipped } from './export-realism.js';
import { pickEpisode, type Episode } from './podcasts.js';
import type { Prng } from './prng.js';
import { favouriteArtist, FAVOURITE_ARTIST_SHARE, pickRotationSlot, renewRotation, REPEAT_ONE, ROTATION_RENEWAL, type Rotations } from './rotation.js';
import { PickSource, SimulatedPlay, type PlayKind, type PlaySession } from './simulated-play.js';
import { episodeOutcome, musicOutcome, nextReasonStart, sessionStartReasons, type PlaybackContext, type PlaybackOutcome } from './skips.js';
import type { SimulatedUser } from './users.js';
import { TrackVariant, type VirtualCatalog } from './virtual-catalog.js';
import { isMobile } from './vocabulary.js';
import type { SessionWorld } from './world.js';

/** Session model parameters; the means are exported so the rate calibration stays in step. */
export const MUSIC_CONTINUE_PROBABILITY = 0.93;
export const MAX_PLAYS_PER_SESSION = 150;
export const PODCAST_SESSION_SHARE = 0.25;
export const PODCAST_LISTENER_SHARE = 0.3;
export const OFFLINE_SESSION_SHARE_MOBILE = 0.07;
/** Sessions that play an album through from its first track rather than single tracks (when not on shuffle). */
export const ALBUM_SESSION_SHARE = 0.25;
export const SHUFFLE_SHARE_MOBILE = 0.55;
export const SHUFFLE_SHARE_DESKTOP = 0.35;
/** Late at night (local 00–05) a pick that is not calm music is made again this often (Park et al., 2019). */
const LATE_NIGHT_CALM_REDRAW = 0.5;
/** Share of rows with every content field null (a track since removed), as real exports have. */
const UNKNOWN_CONTENT_SHARE = 0.002;

const meanMusicPlays = 1 / (1 - MUSIC_CONTINUE_PROBABILITY);
const meanPodcastPlays = 1.6;
const podcastShare = PODCAST_SESSION_SHARE * PODCAST_LISTENER_SHARE;
export const MEAN_PLAYS_PER_SESSION = (1 - podcastShare) * meanMusicPlays + podcastShare * meanPodcastPlays;

export interface SessionIds {
  sessionId: string;
  /** See EncodableSession.eventIdPrefix. */
  eventIdPrefix: string;
  /** The run's next event number (event ids are unique per run). */
  nextEventNumber(): number;
  /** The run's listener rotations (rotation.ts). */
  rotations: Rotations;
}

/**
 * One listening session, generated lazily: `next()` makes the following play only when the
 * previous one is consumed, so a real-time run at a high rate holds one pending play per live
 * session, not whole sessions. Offline sessions are the exception: they are delivered together
 * when the device reconnects, minutes to days later (the late data the lake must place by event
 * time), so the simulator drains them at once with `drainOffline`.
 */
export class ListeningSession implements PlaySession {
  readonly userId: string;
  readonly platform: string;
  readonly country: string;
  readonly mobile: boolean;
  readonly kind: Exclude<PlayKind, 'unknown'>;
  readonly shuffle: boolean | null;
  readonly offline: boolean | null;
  readonly incognito: boolean | null;
  readonly sessionId: string;
  readonly eventIdPrefix: string;
  readonly wholeSecondTimes: boolean;
  segments: SessionSegments | undefined = undefined;
  /** True when an offline session's plays are stamped at the sync (export realism): overlapping times. */
  private readonly stampedAtSync: boolean;
  private readonly isOffline: boolean;
  private readonly exportRealism: boolean;
  /** Plays an album through (tests: expected-popularity.ts counts on these plays). */
  readonly albumMode: boolean;
  private readonly lateNight: boolean;
  private readonly playback: PlaybackContext;
  private clock: number;
  private reasonStart: string;
  /** The music track playing (artist rank and song in the catalog), -1 before the first. */
  private artist = -1;
  private song = -1;
  private previousEnd = '';
  private lastPick: PickSource = PickSource.None;
  private book: Chapter[] | undefined;
  private chapter = 0;
  private played = 0;
  private finished = false;

  constructor(
    private readonly rng: Prng,
    private readonly world: SessionWorld,
    readonly user: SimulatedUser,
    platform: string,
    startMs: number,
    private readonly endMs: number,
    private readonly ids: SessionIds,
  ) {
    const realism = world.realism;
    this.exportRealism = realism.mode === 'export';
    const quirks = realism.quirks;
    this.userId = user.id;
    this.sessionId = ids.sessionId;
    this.eventIdPrefix = ids.eventIdPrefix;
    this.wholeSecondTimes = this.exportRealism;
    this.mobile = isMobile(platform);
    this.platform = this.exportRealism ? periodPlatform(platform, startMs, rng) : platform;
    this.country = this.exportRealism && rng.chance(quirks['unknown-country']) ? 'ZZ' : user.country;
    const local = localTime(startMs, user.zone.offsetMinutes(startMs));
    const audiobook = this.exportRealism && user.listensToAudiobooks && startMs >= AUDIOBOOKS_FROM_MS && rng.chance(quirks.audiobooks);
    this.kind = audiobook ? 'audiobook' : user.listensToPodcasts && rng.chance(PODCAST_SESSION_SHARE) ? 'podcast' : 'music';
    const shuffle = this.kind === 'music' && rng.chance(this.mobile ? SHUFFLE_SHARE_MOBILE : SHUFFLE_SHARE_DESKTOP);
    this.albumMode = this.kind === 'music' && !shuffle && rng.chance(ALBUM_SESSION_SHARE);
    this.isOffline = this.mobile && rng.chance(OFFLINE_SESSION_SHARE_MOBILE);
    const incognito = rng.chance(0.015);
    const nullFlags = this.exportRealism && rng.chance(quirks['null-flags']);
    this.shuffle = nullFlags || this.kind !== 'music' ? null : shuffle;
    this.offline = nullFlags ? null : this.isOffline;
    this.incognito = nullFlags ? null : incognito;
    this.stampedAtSync = this.exportRealism && this.isOffline && rng.chance(quirks['offline-sync']);
    this.lateNight = local.hour < 5;
    this.playback = { mobile: this.mobile, morning: local.hour >= 6 && local.hour < 11, weekend: local.weekend, ageGroup: user.ageGroup };
    this.clock = startMs;
    this.reasonStart = sessionStartReasons.pick(rng);
    if (audiobook) {
      this.book = pickBook(rng, world.audiobooks);
      this.chapter = rng.int(this.book.length);
    }
  }

  get catalog(): VirtualCatalog {
    return this.world.catalog;
  }

  get done(): boolean {
    return this.finished;
  }

  /** True for sessions made offline: their plays reach Kafka when the device reconnects. */
  get madeOffline(): boolean {
    return this.isOffline;
  }

  /** The next play, or undefined when the session is over (or reached the window's end). */
  next(): SimulatedPlay | undefined {
    if (this.finished) return undefined;
    const rng = this.rng;
    const kind = this.kind;
    const last = kind === 'music' ? !rng.chance(MUSIC_CONTINUE_PROBABILITY) || this.played === MAX_PLAYS_PER_SESSION - 1 : !rng.chance(0.375);
    let outcome: PlaybackOutcome;
    let durationMs: number;
    let playKind: PlayKind = kind;
    let artist = -1;
    let song = -1;
    let variant: TrackVariant = TrackVariant.Main;
    let other: Episode | Chapter | undefined;
    let contentBytes: Uint8Array | undefined;
    let contentTail: Uint8Array = NO_CONTENT_TAIL;
    let pick: PickSource = PickSource.None;
    if (kind === 'music') {
      this.pickTrack();
      artist = this.artist;
      song = this.song;
      pick = this.lastPick;
      durationMs = this.world.catalog.durationOf(artist, song);
      outcome = musicOutcome(rng, durationMs, this.playback, last);
      this.previousEnd = outcome.reasonEnd;
      if (rng.chance(UNKNOWN_CONTENT_SHARE)) {
        playKind = 'unknown';
        artist = song = -1;
        contentBytes = UNKNOWN_CONTENT_BYTES;
      } else {
        contentTail = TRACK_CONTENT_TAIL;
        if (this.exportRealism) variant = this.exportVariant(artist, song);
      }
    } else if (kind === 'podcast') {
      const episode = pickEpisode(rng, this.world.podcasts);
      durationMs = episode.durationMs;
      outcome = episodeOutcome(rng, durationMs);
      other = episode;
      contentBytes = episode.contentBytes;
      contentTail = EPISODE_CONTENT_TAIL;
    } else {
      const book = this.book!;
      const chapter = book[this.chapter % book.length]!;
      this.chapter++;
      durationMs = chapter.durationMs;
      outcome = episodeOutcome(rng, durationMs);
      other = chapter;
      contentBytes = chapter.contentBytes;
    }
    const playStartMs = this.clock;
    const endedMs = playStartMs + outcome.msPlayed;
    if (endedMs >= this.endMs) {
      this.finished = true;
      return undefined;
    }
    // Real exports keep whole seconds (rounded down, so the event hour never changes).
    const eventTimeMs = this.wholeSecondTimes ? endedMs - (endedMs % 1000) : endedMs;
    let reasonStart: string | null = this.reasonStart;
    let reasonEnd: string | null = outcome.reasonEnd;
    if (this.exportRealism) {
      // Exports of old data hold `""` reasons, a few rows null ones.
      const quirks = this.world.realism.quirks;
      if (eventTimeMs < EMPTY_REASONS_UNTIL_MS && rng.chance(quirks['empty-reasons'])) reasonStart = reasonEnd = '';
      else if (rng.chance(quirks['null-reasons'])) reasonStart = reasonEnd = null;
    }
    const play = new SimulatedPlay(
      this,
      this.ids.nextEventNumber(),
      playStartMs,
      eventTimeMs,
      outcome.msPlayed,
      reasonStart,
      reasonEnd,
      this.exportRealism ? periodSkipped(eventTimeMs, outcome.skipped) : outcome.skipped,
      this.offlineTimestamp(playStartMs),
      playKind,
      artist,
      song,
      variant,
      other,
      contentBytes,
      contentTail,
      durationMs,
      pick,
    );
    this.played++;
    if (last) {
      this.finished = true;
    } else {
      this.reasonStart = nextReasonStart(outcome.reasonEnd);
      // Gaps between tracks are short; now and then the listener pauses for a few minutes.
      this.clock = endedMs + 200 + rng.int(1_500) + (rng.chance(0.03) ? Math.floor(rng.exponential(120_000)) : 0);
    }
    return play;
  }

  /** Clean: the play's start on offline plays only. Export: also on many online rows, sometimes odd. */
  private offlineTimestamp(playStartMs: number): number | null {
    if (!this.exportRealism) return this.isOffline ? playStartMs : null;
    const quirks = this.world.realism.quirks;
    return this.isOffline ? oddOfflineTimestamp(quirks, playStartMs, this.rng) : onlineOfflineTimestamp(quirks, playStartMs, this.rng);
  }

  /** Export realism: the same recording under its second URI, or the track as a local file. */
  private exportVariant(artist: number, song: number): TrackVariant {
    const quirks = this.world.realism.quirks;
    const rng = this.rng;
    if (rng.chance(quirks['local-files'])) return TrackVariant.LocalFile;
    return this.world.catalog.hasAlternate(artist, song, quirks['alternate-uri']) && rng.chance(0.5) ? TrackVariant.Alternate : TrackVariant.Main;
  }

  /** Picks the next music track into (this.artist, this.song), where it came from into `lastPick`: no object per play on this path. */
  private pickTrack(): void {
    const catalog = this.world.catalog;
    if (this.artist >= 0) {
      if (this.albumMode) {
        const next = catalog.nextOnAlbum(this.artist, this.song);
        this.lastPick = PickSource.Album;
        if (next >= 0) {
          this.song = next;
          return;
        }
      }
      if (this.previousEnd === 'trackdone' && this.rng.chance(REPEAT_ONE)) {
        this.lastPick = PickSource.RepeatOne;
        return;
      }
    }
    this.freshPick();
    // Late at night listeners lean to calmer music.
    if (this.lateNight && !catalog.isCalm(this.artist) && this.rng.chance(LATE_NIGHT_CALM_REDRAW)) this.freshPick();
    // An album is played from its first track.
    if (this.albumMode) this.song = catalog.albumOpener(this.artist, this.song);
  }

  /** A rotation song, a favourite artist's song, or a discovery from the whole catalog (rotation.ts). */
  private freshPick(): void {
    const { rng, world, user } = this;
    const catalog = world.catalog;
    const popularity = catalog.popularity;
    const rotation = this.ids.rotations.of(user);
    const repeatShare = world.repeatShare;
    const r = rng.next();
    if (r < repeatShare) {
      this.lastPick = PickSource.Rotation;
      const slot = pickRotationSlot(rotation, rng, popularity);
      this.artist = rotation.artists[slot]!;
      this.song = rotation.songs[slot]!;
    } else if (r < repeatShare + (1 - repeatShare) * FAVOURITE_ARTIST_SHARE) {
      this.lastPick = PickSource.FavouriteArtist;
      this.artist = favouriteArtist(rotation, rng);
      this.song = popularity.sampleSong(this.artist, rng);
    } else {
      this.lastPick = PickSource.Discovery;
      this.artist = popularity.sampleArtist(rng);
      this.song = popularity.sampleSong(this.artist, rng);
      if (rng.chance(ROTATION_RENEWAL)) renewRotation(rotation, this.artist, this.song, rng);
    }
  }

  /**
   * All remaining plays of an offline session, delivered when the device reconnects. Some syncs
   * stamp every play at the sync itself (export realism): the plays then overlap each other and
   * whatever else the user played, and offline_timestamp alone says when they were played.
   */
  drainOffline(): SimulatedPlay[] {
    const plays: SimulatedPlay[] = [];
    for (let play = this.next(); play; play = this.next()) plays.push(play);
    if (plays.length === 0) return plays;
    const reconnectMs = plays[plays.length - 1]!.eventTimeMs + Math.floor(Math.min(48 * 3_600_000, Math.max(120_000, this.rng.exponential(2 * 3_600_000))));
    if (!this.stampedAtSync) {
      for (const play of plays) play.deliverAtMs = reconnectMs;
      return plays;
    }
    const syncMs = reconnectMs - (reconnectMs % 1000);
    const stamped: SimulatedPlay[] = [];
    plays.forEach((play, i) => {
      const ts = syncMs + i * 1000;
      // A play stamped after the window's end would fall outside the run: drop it, as the window does.
      if (ts < this.endMs) stamped.push(restamped(play, ts));
    });
    return stamped;
  }
}

/** The play with `ts` set to the sync time (and delivered then: it is not late). */
function restamped(play: SimulatedPlay, ts: number): SimulatedPlay {
  return new SimulatedPlay(
    play.session,
    play.eventNumber,
    play.playStartMs,
    ts,
    play.msPlayed,
    play.reasonStart,
    play.reasonEnd,
    play.skipped,
    play.offlineTimestamp,
    play.kind,
    play.artist,
    play.song,
    play.variant,
    play.other,
    play.contentBytes,
    play.contentTail,
    play.durationMs,
    play.pick,
  );
}
