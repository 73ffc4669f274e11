import type { SimulatedPlay } from './session.js';

/**
 * The simulator's fixed-order JSON builder: the producer's hot path. Content fields (names that
 * could need escaping) come pre-serialized per track or episode; every other string the simulator
 * writes is drawn from safe alphabets (base36 ids, ISO timestamps, platform and reason vocabularies,
 * ISO country codes), so it is placed between quotes as is. Output is byte-for-byte
 * JSON.stringify(play.event), which the unit tests check over many thousands of plays; it runs in
 * about half the time, because JSON.stringify re-walks and re-escapes every name on every event.
 */
export function encodeSimulatedPlay(play: SimulatedPlay): string {
  const e = play.event;
  return (
    `{"schema_version":1,"event_id":"${e.event_id}","ts":"${e.ts}","user_id":"${e.user_id}","platform":"${e.platform}"` +
    `,"ms_played":${e.ms_played},"conn_country":"${e.conn_country}",${play.contentJson}` +
    `,"reason_start":"${e.reason_start}","reason_end":"${e.reason_end}","shuffle":${e.shuffle},"skipped":${e.skipped}` +
    `,"offline":${e.offline},"offline_timestamp":${e.offline_timestamp},"incognito_mode":${e.incognito_mode},"session_id":"${e.session_id}"}`
  );
}
