import type { ListeningEvent } from '@spotify-pipeline/shared/schemas';
import { NO_ARTIST_TAIL } from '../encoding/content-bytes.js';
import type { EncodablePlay, EncodableSession } from '../encoding/encodable-play.js';
import { isoTime, isoTimeSeconds } from '../encoding/iso-time.js';
import { ARTIST_TAIL_BYTES } from './artists.js';
import type { Chapter } from './audiobooks.js';
import type { Episode } from './podcasts.js';
import type { SimulatedUser } from './users.js';
import { TrackVariant, type TrackNames, type VirtualCatalog } from './virtual-catalog.js';

/** What a play takes from its session: the same for every play of it. */
export interface PlaySession extends EncodableSession {
  readonly user: SimulatedUser;
  readonly mobile: boolean;
  /** Where a track's content is written from (virtual-catalog.ts). */
  readonly catalog: VirtualCatalog;
}

/** What the simulator keeps of a play's session while the play waits in the delivery heap. */
export interface PlayContinuation {
  readonly user: SimulatedUser;
  next(): SimulatedPlay | undefined;
}

export type PlayKind = 'music' | 'podcast' | 'audiobook' | 'unknown';

/** Where a music play's track came from (tests hold the repeat model through these). */
export const PickSource = {
  Rotation: 0,
  FavouriteArtist: 1,
  Discovery: 2,
  /** The next track of an album being played through. */
  Album: 3,
  /** The same track again after it ended ("on repeat"). */
  RepeatOne: 4,
  /** Not music. */
  None: 5,
} as const;
export type PickSource = (typeof PickSource)[keyof typeof PickSource];

/**
 * One generated stream, with what the model knew about it (tests check the model through these).
 *
 * A music play is its track's (artist, song) in the catalog: the encoder has the catalog write the
 * track's content straight into the batch (encoding/play-encoder.ts calls writeContent), so no
 * string and no byte copy of the track exists per play. The ListeningEvent is built on first use of
 * `event` (tests, malformed records derived from it), never on the producing path.
 */
export class SimulatedPlay implements EncodablePlay {
  /** When the client reports it: the event time, or later for plays made offline. */
  deliverAtMs: number;
  /** Tie-break of equal delivery times, set by the delivery heap. */
  order = 0;
  /** While pending in the simulator: the live session that continues after this play. */
  continuation: PlayContinuation | undefined = undefined;
  readonly contentBound: number;
  private built: ListeningEvent | undefined;

  constructor(
    readonly session: PlaySession,
    /** Numbers the run's events in order of generation: the id is `eventIdPrefix` + this in base 36. */
    readonly eventNumber: number,
    /** When the play started (epoch ms). */
    readonly playStartMs: number,
    /** `ts` as epoch ms: the Kafka timestamp (whole seconds in export realism). */
    readonly eventTimeMs: number,
    readonly msPlayed: number,
    readonly reasonStart: string | null,
    readonly reasonEnd: string | null,
    readonly skipped: boolean | null,
    readonly offlineTimestamp: number | null,
    readonly kind: PlayKind,
    /** Music: the track's artist (rank) and song in the catalog; -1 otherwise. */
    readonly artist: number,
    readonly song: number,
    readonly variant: TrackVariant,
    /** Podcasts and audiobooks: what was played. */
    readonly other: Episode | Chapter | undefined,
    /** Content fields of anything but a catalog track (episode, chapter, removed track). */
    readonly contentBytes: Uint8Array | undefined,
    readonly contentTail: Uint8Array,
    readonly durationMs: number,
    readonly pick: PickSource,
  ) {
    this.deliverAtMs = eventTimeMs;
    this.contentBound = contentBytes ? contentBytes.length + NO_ARTIST_TAIL.length : session.catalog.maxContentBytes + ARTIST_TAIL_BYTES;
  }

  writeContent(out: Uint8Array, at: number): number {
    const bytes = this.contentBytes;
    if (bytes) {
      out.set(bytes, at);
      return at + bytes.length;
    }
    return this.session.catalog.writeContent(this.artist, this.song, this.variant, out, at);
  }

  writeArtistTail(out: Uint8Array, at: number): number {
    if (this.contentBytes || this.variant === TrackVariant.LocalFile) {
      out.set(NO_ARTIST_TAIL, at);
      return at + NO_ARTIST_TAIL.length;
    }
    return this.session.catalog.writeArtistTail(this.artist, out, at);
  }

  get mobile(): boolean {
    return this.session.mobile;
  }

  /** The track's key in the popularity model, or -1. */
  get trackKey(): number {
    return this.artist < 0 ? -1 : this.session.catalog.keyOf(this.artist, this.song);
  }

  /** The track's names (derived again from the catalog; tests). */
  get names(): TrackNames | undefined {
    return this.artist < 0 ? undefined : this.session.catalog.describe(this.artist, this.song, this.variant);
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
    const { session } = this;
    const names = this.names;
    const local = this.variant === TrackVariant.LocalFile;
    const episode = this.kind === 'podcast' ? (this.other as Episode) : undefined;
    const chapter = this.kind === 'audiobook' ? (this.other as Chapter) : undefined;
    return {
      schema_version: 1,
      event_id: this.eventId,
      ts: session.wholeSecondTimes ? isoTimeSeconds(this.eventTimeMs) : isoTime(this.eventTimeMs),
      user_id: session.userId,
      platform: session.platform,
      ms_played: this.msPlayed,
      conn_country: session.country,
      track_uri: names && !local ? names.uri : null,
      track_name: names ? names.name : null,
      artist_name: names ? names.artistName : null,
      album_name: names ? names.albumName : null,
      episode_name: episode ? episode.name : null,
      episode_show_name: episode ? episode.showName : null,
      episode_uri: episode ? episode.uri : null,
      audiobook_title: chapter ? chapter.bookTitle : null,
      audiobook_uri: chapter ? chapter.bookUri : null,
      audiobook_chapter_uri: chapter ? chapter.uri : null,
      audiobook_chapter_title: chapter ? chapter.title : null,
      reason_start: this.reasonStart,
      reason_end: this.reasonEnd,
      shuffle: session.shuffle,
      skipped: this.skipped,
      offline: session.offline,
      offline_timestamp: this.offlineTimestamp,
      incognito_mode: session.incognito,
      session_id: session.sessionId,
      artist_uri: names && !local ? names.artistUri : null,
    };
  }
}
