import type { ListeningSimulator } from './listening-simulator.js';
import type { MalformedInjector } from './malformed-injector.js';
import { encodeSimulatedPlay } from './play-encoder.js';

/** What each record of a batch is, for the run summary. */
export const RecordKind = { VALID: 0, VALID_LATE: 1, NOT_JSON: 2, SCHEMA_INVALID: 3 } as const;

/**
 * Encoded records ready for Kafka, packed in a few typed arrays so a batch crosses from the
 * generator thread to the producing thread by transfer, not by copying thousands of objects.
 */
export interface PlayBatch {
  count: number;
  /** Values back to back; record i is data[offsets[i] .. offsets[i + 1]). */
  data: Uint8Array;
  offsets: Uint32Array;
  keys: string[];
  /** Kafka timestamps (event time, epoch ms). */
  eventTimes: Float64Array;
  /** When the record is due in real time (later than the event time for offline plays). */
  deliverAt: Float64Array;
  kinds: Uint8Array;
  /** Valid events in this batch (malformed records not counted). */
  valid: number;
  /** The simulator has nothing more (window over or the valid-event limit reached). */
  exhausted: boolean;
}

export function transferList(batch: PlayBatch): ArrayBuffer[] {
  return [batch.data.buffer, batch.offsets.buffer, batch.eventTimes.buffer, batch.deliverAt.buffer, batch.kinds.buffer] as ArrayBuffer[];
}

/**
 * Takes about `maxRecords` records (one more when the last play brings a malformed one) from the simulator — each play, preceded now and then by a
 * malformed record from the injector — stopping once `maxValid` valid events are in.
 */
export function fillBatch(simulator: ListeningSimulator, injector: MalformedInjector, maxRecords: number, maxValid: number): PlayBatch {
  // Values are written straight into one buffer (grown when needed): no Buffer per record, no copy.
  let data = Buffer.allocUnsafeSlow(maxRecords * 1024);
  const offsets = new Uint32Array(maxRecords + 2);
  const keys: string[] = [];
  // One slot spare: a malformed record and its play always travel in the same batch.
  const eventTimes = new Float64Array(maxRecords + 1);
  const deliverAt = new Float64Array(maxRecords + 1);
  const kinds = new Uint8Array(maxRecords + 1);
  let count = 0;
  let valid = 0;
  let bytes = 0;
  let exhausted = false;
  const append = (value: string | Buffer): void => {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8: room for that means one pass, no measuring.
    const length = typeof value === 'string' ? value.length * 3 : value.length;
    if (bytes + length > data.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(data.length * 2, bytes + length));
      data.copy(grown, 0, 0, bytes);
      data = grown;
    }
    offsets[count] = bytes;
    bytes += typeof value === 'string' ? data.write(value, bytes) : value.copy(data, bytes);
  };
  while (count < maxRecords) {
    if (valid >= maxValid) {
      exhausted = true;
      break;
    }
    const play = simulator.next();
    if (!play) {
      exhausted = true;
      break;
    }
    const bad = injector.before(play.event);
    if (bad) {
      append(bad.value);
      keys.push(play.event.user_id);
      eventTimes[count] = play.eventTimeMs;
      deliverAt[count] = play.deliverAtMs;
      kinds[count] = bad.kind === 'not_json' ? RecordKind.NOT_JSON : RecordKind.SCHEMA_INVALID;
      count++;
    }
    append(encodeSimulatedPlay(play));
    keys.push(play.event.user_id);
    eventTimes[count] = play.eventTimeMs;
    deliverAt[count] = play.deliverAtMs;
    kinds[count] = play.deliverAtMs > play.eventTimeMs ? RecordKind.VALID_LATE : RecordKind.VALID;
    count++;
    valid++;
  }
  offsets[count] = bytes;
  return { count, data: new Uint8Array(data.buffer, data.byteOffset, bytes), offsets: offsets.subarray(0, count + 1), keys, eventTimes, deliverAt, kinds, valid, exhausted };
}
