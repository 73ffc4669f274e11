import type { ListeningSimulator } from './listening-simulator.js';
import type { MalformedInjector } from './malformed-injector.js';
import { encodedSizeBound, writePlay } from '../encoding/play-encoder.js';

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
  /** Record i's key is key number keyIds[i] of the source's numbering (see KeyNumbering). */
  keyIds: Uint32Array;
  /** Keys first seen in this batch, numbered on from the last one of the previous batch. */
  newKeys: string[];
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

/**
 * A batch's memory: the values, and one buffer behind all its per-record arrays. The producing thread
 * hands both back once librdkafka has copied the records, and the generator fills them again: fresh
 * megabytes per batch cost page faults and GC on both threads, and the worker's memory stays bounded.
 */
export interface BatchMemory {
  data: ArrayBuffer;
  records: ArrayBuffer;
}

export function batchMemory(batch: PlayBatch): BatchMemory {
  return { data: batch.data.buffer as ArrayBuffer, records: batch.offsets.buffer as ArrayBuffer };
}

export function transferList(batch: PlayBatch): ArrayBuffer[] {
  const memory = batchMemory(batch);
  return [memory.data, memory.records];
}

/** Bytes of the per-record arrays for `slots` records: two Float64, offsets (one more), key ids, kinds. */
function recordsBytes(slots: number): number {
  return 8 * slots * 2 + 4 * (slots + 1) + 4 * slots + slots;
}

/**
 * Keys (user ids) travel as numbers: a batch names each distinct key once, the first time it is
 * used, so a batch of thousands of records crosses threads without thousands of strings to clone on
 * one side and allocate on the other (the producing thread's time is the scarce one).
 */
export class KeyNumbering {
  /** Key number by user index (the simulator's users are numbered 0..n-1): no string hashing per record. */
  private readonly byUser: number[] = [];
  /** Every key numbered so far, by number: what the receiving side rebuilds from `newKeys`. */
  readonly keys: string[] = [];

  number(user: { readonly index: number; readonly id: string }, fresh: string[]): number {
    let id = this.byUser[user.index];
    if (id === undefined) {
      id = this.keys.length;
      this.byUser[user.index] = id;
      this.keys.push(user.id);
      fresh.push(user.id);
    }
    return id;
  }
}

/**
 * Takes about `maxRecords` records (one more when the last play brings a malformed one) from the simulator — each play, preceded now and then by a
 * malformed record from the injector — stopping once `maxValid` valid events are in.
 */
export function fillBatch(simulator: ListeningSimulator, injector: MalformedInjector, maxRecords: number, maxValid: number, numbering: KeyNumbering, recycled?: BatchMemory): PlayBatch {
  // Values are written straight into one buffer (grown when needed): no Buffer per record, no copy.
  const size = maxRecords * 1024;
  let data: Buffer = recycled && recycled.data.byteLength >= size ? Buffer.from(recycled.data) : Buffer.allocUnsafeSlow(size);
  // One slot spare: a malformed record and its play always travel in the same batch.
  const slots = maxRecords + 1;
  const records = recycled && recycled.records.byteLength >= recordsBytes(slots) ? recycled.records : new ArrayBuffer(recordsBytes(slots));
  const eventTimes = new Float64Array(records, 0, slots);
  const deliverAt = new Float64Array(records, 8 * slots, slots);
  const offsets = new Uint32Array(records, 16 * slots, slots + 1);
  const keyIds = new Uint32Array(records, 16 * slots + 4 * (slots + 1), slots);
  const kinds = new Uint8Array(records, 16 * slots + 4 * (slots + 1) + 4 * slots, slots);
  const newKeys: string[] = [];
  let count = 0;
  let valid = 0;
  let bytes = 0;
  let exhausted = false;
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
    const bad = injector.before(play);
    if (bad) {
      if (bytes + bad.value.length > data.length) data = grown(data, bytes, bad.value.length);
      offsets[count] = bytes;
      bytes += bad.value.copy(data, bytes);
      keyIds[count] = numbering.number(play.session.user, newKeys);
      eventTimes[count] = play.eventTimeMs;
      deliverAt[count] = play.deliverAtMs;
      kinds[count] = bad.kind === 'not_json' ? RecordKind.NOT_JSON : RecordKind.SCHEMA_INVALID;
      count++;
    }
    const room = encodedSizeBound(play);
    if (bytes + room > data.length) data = grown(data, bytes, room);
    offsets[count] = bytes;
    bytes = writePlay(play, data, bytes);
    keyIds[count] = numbering.number(play.session.user, newKeys);
    eventTimes[count] = play.eventTimeMs;
    deliverAt[count] = play.deliverAtMs;
    kinds[count] = play.deliverAtMs > play.eventTimeMs ? RecordKind.VALID_LATE : RecordKind.VALID;
    count++;
    valid++;
  }
  offsets[count] = bytes;
  return { count, data: new Uint8Array(data.buffer, data.byteOffset, bytes), offsets: offsets.subarray(0, count + 1), keyIds, newKeys, eventTimes, deliverAt, kinds, valid, exhausted };
}

/**
 * A bigger buffer holding the first `used` bytes of `data`, with room for `needed` more. (A plain
 * function, not a closure in fillBatch: a closure over its offset would keep that hot variable in a
 * heap context instead of a register.)
 */
function grown(data: Buffer, used: number, needed: number): Buffer {
  const bigger = Buffer.allocUnsafeSlow(Math.max(data.length * 2, used + needed));
  data.copy(bigger, 0, 0, used);
  return bigger;
}
