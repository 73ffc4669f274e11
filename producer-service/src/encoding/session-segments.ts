import type { EncodableSession, SessionSegments } from './encodable-play.js';

const json = JSON.stringify;

/** `","ts":"`: after the event id's number (whose closing quote it carries), before the time. */
export const TS_KEY = Buffer.from('","ts":"');

/** ISO form of the widest dates (±YYYYYY-...): what a size bound allows for `ts`. */
export const ISO_MAX = 27;

/** `{"schema_version":1,"event_id":"` and the run's id prefix, without its closing quote. */
export function eventIdHead(prefix: string): Uint8Array {
  const quoted = json(prefix);
  return Buffer.from(`{"schema_version":1,"event_id":${quoted.slice(0, -1)}`);
}

/**
 * A session's constant fields as bytes (see SessionSegments), made once on its first play: a
 * session has about 14 plays to spread the cost over. One UTF-8 write, then views.
 */
export function sessionSegments(session: EncodableSession, eventIdHeadLength: number): SessionSegments {
  const afterSkipped = (skipped: boolean | null): string =>
    `,"shuffle":${json(session.shuffle)},"skipped":${json(skipped)},"offline":${json(session.offline)},"offline_timestamp":`;
  const parts = [
    `","user_id":${json(session.userId)},"platform":${json(session.platform)},"ms_played":`,
    `,"conn_country":${json(session.country)},`,
    afterSkipped(false),
    afterSkipped(true),
    afterSkipped(null),
    `,"incognito_mode":${json(session.incognito)},"session_id":${json(session.sessionId)},"artist_uri":`,
  ];
  const joined = parts.join('');
  const bytes = Buffer.from(joined, 'utf8');
  const oneBytePerChar = bytes.length === joined.length;
  let at = 0;
  const [user, country, notSkipped, skipped, skippedNull, close] = parts.map((part) => bytes.subarray(at, (at += oneBytePerChar ? part.length : Buffer.byteLength(part)))) as [
    Buffer,
    Buffer,
    Buffer,
    Buffer,
    Buffer,
    Buffer,
  ];
  // Number fields at their longest (JSON.stringify of a number is at most 24 characters), ts at its widest.
  const varying = eventIdHeadLength + 24 + TS_KEY.length + ISO_MAX + 24 + 24;
  const afterReasons = Math.max(notSkipped.length, skipped.length, skippedNull.length);
  return { user, country, notSkipped, skipped, skippedNull, close, boundWithoutContent: varying + user.length + country.length + afterReasons + close.length };
}
