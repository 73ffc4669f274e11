import type { ListeningEvent } from '@spotify-pipeline/shared/schemas';
import { encodeListeningEvent } from '../encoding/event-encoder.js';
import { Prng } from './prng.js';

/** `not_json`: the consumer cannot parse the bytes; `schema_invalid`: JSON that fails listeningEventV1. */
export type MalformedKind = 'not_json' | 'schema_invalid';
export const MALFORMED_KINDS: readonly MalformedKind[] = ['not_json', 'schema_invalid'];

export interface MalformedRecord {
  kind: MalformedKind;
  /** Which corruption, for logs and tests. */
  variant: string;
  value: Buffer;
}

/**
 * Emits a known share of bad records for the end-to-end tests of the DLQ path: before a valid event,
 * with probability ratio / (1 - ratio), one malformed record derived from it, so malformed records
 * are `ratio` of everything sent. Driven by its own seeded stream: the same seed gives the same
 * bad records at the same places, and valid events are unchanged by the ratio.
 */
export class MalformedInjector {
  private readonly rng: Prng;
  private readonly probability: number;

  constructor(private readonly ratio: number, seed: number) {
    if (ratio < 0 || ratio >= 1) throw new RangeError(`malformed ratio must be in [0, 1), got ${ratio}`);
    this.rng = new Prng(seed).fork('malformed');
    this.probability = ratio / (1 - ratio);
  }

  /** A malformed record to send before the play's event, or undefined (`event` is only read when one is due). */
  before(play: { readonly event: ListeningEvent }): MalformedRecord | undefined {
    if (this.ratio === 0 || !this.rng.chance(this.probability)) return undefined;
    const event = play.event;
    const id = `${event.event_id}-bad`;
    if (this.rng.chance(0.5)) {
      const encoded = encodeListeningEvent({ ...event, event_id: id });
      switch (this.rng.int(3)) {
        case 0:
          return { kind: 'not_json', variant: 'truncated', value: Buffer.from(encoded.slice(0, Math.floor(encoded.length / 2))) };
        case 1:
          return { kind: 'not_json', variant: 'plain-text', value: Buffer.from(`PLAY ${event.user_id} ${event.track_uri ?? 'unknown'} ${event.ts}`) };
        default:
          return { kind: 'not_json', variant: 'binary', value: Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22, 0xc3, 0x28]) };
      }
    }
    const base = { ...event, event_id: id };
    switch (this.rng.int(4)) {
      case 0:
        return invalid('negative-ms-played', { ...base, ms_played: -1 });
      case 1: {
        const { event_id: _dropped, ...rest } = base;
        return invalid('missing-event-id', rest);
      }
      case 2:
        return invalid('ts-not-iso', { ...base, ts: event.ts.slice(0, 16).replace('T', ' ') });
      default:
        return invalid('bad-country', { ...base, conn_country: 'usa' });
    }
  }
}

function invalid(variant: string, record: object): MalformedRecord {
  return { kind: 'schema_invalid', variant, value: Buffer.from(JSON.stringify(record)) };
}
