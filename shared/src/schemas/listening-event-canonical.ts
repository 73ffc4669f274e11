import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CanonicalLineMatcher, type ObjectSchema } from './canonical-line-matcher.js';
import { listeningEventV1 } from './listening-event.js';

/**
 * The canonical form of a ListeningEvent line, shared by the two services that check it: the sink
 * (which vouches, in a staged object's manifest, that every line it holds is in this form) and the
 * ETL (which checks lines itself, and skips its own pass over an object vouched for with the form
 * it knows, see docs/delivery-semantics.md "Vouched objects").
 */

/**
 * Normalised before the contract is checked, not rejected: country codes arrive lower-case from some
 * clients (DuckDB upper-cases them again when it writes the raw line).
 */
export const FIELD_NORMALISERS: Readonly<Record<string, (value: string) => string>> = {
  conn_country: (value) => (value.length === 2 ? value.toUpperCase() : value),
};

/** The JSON Schema of the contract, as zod itself exports it (input side: unknown keys are allowed, as zod strips them). */
export function listeningEventJsonSchema(): ObjectSchema & Record<string, unknown> {
  return z.toJSONSchema(listeningEventV1, { io: 'input' }) as ObjectSchema & Record<string, unknown>;
}

/** The captured fields of a canonical line, in this order: what the ETL needs of a line it accepts. */
export const CANONICAL_CAPTURE = ['event_id', 'ts'] as const;

/**
 * The matcher of the canonical form. The validator ignores `format: date-time` (zod writes it
 * beside the pattern that is the real rule).
 */
export function listeningEventCanonicalMatcher(): CanonicalLineMatcher {
  return new CanonicalLineMatcher(listeningEventJsonSchema(), { capture: CANONICAL_CAPTURE, normalise: FIELD_NORMALISERS, formats: { 'date-time': null } });
}

let fingerprint: string | undefined;

/**
 * Names the canonical form exactly: sha256 of the contract's JSON Schema and the matcher's
 * expression. A sink and an ETL built from different contracts (a rolling deploy) get different
 * fingerprints, and the ETL then checks the object itself: a vouch is only taken for the form the
 * ETL would have checked.
 */
export function listeningEventCanonicalForm(): string {
  fingerprint ??= `listening-event-v1:${createHash('sha256').update(JSON.stringify(listeningEventJsonSchema())).update('\n').update(listeningEventCanonicalMatcher().source).digest('hex').slice(0, 32)}`;
  return fingerprint;
}
