/**
 * What the byte encoder reads of a play and of its session. The simulator's plays and sessions
 * implement these; the encoding folder never imports the simulator, so the dependency runs one way
 * (simulator → encoding) and the encoder can be tested on plain objects.
 */

/** A session's fields: the same for every play of it. */
export interface EncodableSession {
  readonly userId: string;
  readonly platform: string;
  readonly country: string;
  /** null for podcast and audiobook sessions, and for some rows of real exports. */
  readonly shuffle: boolean | null;
  readonly offline: boolean | null;
  readonly incognito: boolean | null;
  readonly sessionId: string | null;
  /** The run's tag and "e": event ids are this and the event's number in base 36. */
  readonly eventIdPrefix: string;
  /** `ts` in whole seconds (`2014-07-27T20:34:47Z`), as real exports write it, instead of milliseconds. */
  readonly wholeSecondTimes: boolean;
  /** The encoder's bytes of the fields above, made on the session's first play (session-segments.ts). */
  segments: SessionSegments | undefined;
}

/** A play's own fields, in the order the contract writes them. */
export interface EncodablePlay {
  readonly session: EncodableSession;
  /** The event id is `session.eventIdPrefix` + this in base 36. */
  readonly eventNumber: number;
  /** `ts` (epoch ms; written in whole seconds when the session says so). */
  readonly eventTimeMs: number;
  readonly msPlayed: number;
  /** Bytes writeContent and writeArtistTail write at most, together. */
  readonly contentBound: number;
  /** Writes the content fields from `track_uri` to the play's own last one (the null fields after them are `contentTail`); returns the offset after. */
  writeContent(out: Uint8Array, at: number): number;
  readonly contentTail: Uint8Array;
  readonly reasonStart: string | null;
  readonly reasonEnd: string | null;
  readonly skipped: boolean | null;
  readonly offlineTimestamp: number | null;
  /** Writes the last field's value and the closing brace: `"spotify:artist:…"}` or `null}` (content-bytes.ts). */
  writeArtistTail(out: Uint8Array, at: number): number;
}

/**
 * A session's constant fields as bytes, each part running from one varying field to the next.
 * JSON.stringify writes every string in them, so any character is escaped exactly as in
 * `JSON.stringify(play.event)`.
 */
export interface SessionSegments {
  /** After `ts`: `","user_id":…,"platform":…,"ms_played":` */
  user: Uint8Array;
  /** After ms_played: `,"conn_country":…,` (the content fields follow) */
  country: Uint8Array;
  /** After reason_end, by `skipped` (false, true, null): `,"shuffle":…,"skipped":…,"offline":…,"offline_timestamp":` */
  notSkipped: Uint8Array;
  skipped: Uint8Array;
  skippedNull: Uint8Array;
  /** After offline_timestamp: `,"incognito_mode":…,"session_id":…,"artist_uri":` (the artist's tail follows) */
  close: Uint8Array;
  /** The largest event of the session without its content, varying parts at their longest. */
  boundWithoutContent: number;
}
