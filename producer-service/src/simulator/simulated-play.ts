import type { ListeningEvent } from '@spotify-pipeline/shared/schemas';
import { EPISODE_CONTENT_TAIL, NO_CONTENT_TAIL, TRACK_CONTENT_TAIL, UNKNOWN_CONTENT_BYTES, type CatalogTrack } from './catalog.js';
import { isoTime } from './iso-time.js';
import type { SessionSegments } from './play-encoder.js';
import type { Episode } from './podcasts.js';
import type { ListeningSession } from './session.js';
import type { PlaybackOutcome } from './skips.js';
import type { SimulatedUser } from './users.js';

/** What a play takes from its session: the same for every play of it. */
export interface PlaySession {
  readonly user: SimulatedUser;
  readonly platform: string;
  readonly mobile: boolean;
  readonly podcast: boolean;
  readonly shuffle: boolean;
  readonly offline: boolean;
  readonly incognito: boolean;
  readonly sessionId: string;
  /** The run's tag and "e": event ids are this and the event's number in base 36. */
  readonly eventIdPrefix: string;
  /** The encoder's bytes of this session's constant fields, made on its first play (play-encoder). */
  segments: SessionSegments | undefined;
}

/**
 * One generated stream, with what the model knew about it (tests check the model through these).
 *
 * The ListeningEvent is built on first use of `event` (tests, malformed records derived from it),
 * not per play: the producing path encodes straight from these fields (play-encoder), so an event
 * object, its ISO time and its id string are never made for the millions of plays a backfill sends.
 */
export class SimulatedPlay {
  /** When the client reports it: the event time, or later for plays made offline. */
  deliverAtMs: number;
  /** Tie-break of equal delivery times, set by the delivery heap. */
  order = 0;
  /** While pending in the simulator: the live session that continues after this play. */
  continuation: ListeningSession | undefined = undefined;
  /** The event's content fields as UTF-8 JSON (encoded once per track/episode, see play-encoder)... */
  readonly contentBytes: Buffer;
  /** ...then these (constant null fields). */
  readonly contentTail: Buffer;
  private built: ListeningEvent | undefined;

  constructor(
    readonly session: PlaySession,
    /** Numbers the run's events in order of generation: the id is `eventIdPrefix` + this in base 36. */
    readonly eventNumber: number,
    /** When the play started (epoch ms): `offline_timestamp`. */
    readonly playStartMs: number,
    /** `ts` as epoch ms: the Kafka timestamp. */
    readonly eventTimeMs: number,
    readonly reasonStart: string,
    readonly outcome: PlaybackOutcome,
    readonly track: CatalogTrack | undefined,
    readonly episode: Episode | undefined,
    readonly durationMs: number,
    readonly kind: 'music' | 'podcast' | 'unknown',
  ) {
    this.deliverAtMs = eventTimeMs;
    this.contentBytes = track ? track.contentBytes : episode ? episode.contentBytes : UNKNOWN_CONTENT_BYTES;
    this.contentTail = track ? TRACK_CONTENT_TAIL : episode ? EPISODE_CONTENT_TAIL : NO_CONTENT_TAIL;
  }

  get mobile(): boolean {
    return this.session.mobile;
  }

  /** Podcasts have no shuffle state. */
  get shuffle(): boolean | null {
    return this.session.podcast ? null : this.session.shuffle;
  }

  get eventId(): string {
    return this.session.eventIdPrefix + this.eventNumber.toString(36);
  }

  get event(): ListeningEvent {
    this.built ??= this.buildEvent();
    return this.built;
  }

  /** One literal in contract field order, so JSON.stringify emits the fields in that order. */
  private buildEvent(): ListeningEvent {
    const { session, track, episode, outcome } = this;
    return {
      schema_version: 1,
      event_id: this.eventId,
      ts: isoTime(this.eventTimeMs),
      user_id: session.user.id,
      platform: session.platform,
      ms_played: outcome.msPlayed,
      conn_country: session.user.country,
      track_uri: track ? track.uri : null,
      track_name: track ? track.name : null,
      artist_name: track ? track.artistName : null,
      album_name: track ? track.albumName : null,
      episode_name: episode ? episode.name : null,
      episode_show_name: episode ? episode.showName : null,
      episode_uri: episode ? episode.uri : null,
      audiobook_title: null,
      audiobook_uri: null,
      audiobook_chapter_uri: null,
      audiobook_chapter_title: null,
      reason_start: this.reasonStart,
      reason_end: outcome.reasonEnd,
      shuffle: this.shuffle,
      skipped: outcome.skipped,
      offline: session.offline,
      offline_timestamp: this.playStartMs,
      incognito_mode: session.incognito,
      session_id: session.sessionId,
    };
  }
}
