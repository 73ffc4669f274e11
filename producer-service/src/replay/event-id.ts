import { createHash } from 'node:crypto';

/**
 * Fields of an export that are personal data. They never reach Kafka, and they are left out of the
 * event id too: a hash over a record whose other fields are known could be brute-forced back to
 * the IPv4 address (2^32 guesses).
 */
export const PERSONAL_FIELDS = new Set(['ip_addr', 'ip_addr_decrypted', 'user_agent_decrypted', 'username']);

/** JSON with object keys sorted at every level: the same record always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .filter((key) => !PERSONAL_FIELDS.has(key))
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

/**
 * Deterministic id of a replayed record: sha256 over the user and the canonical source record, so
 * replaying the same export twice yields the same ids (downstream sees the duplicates for what they
 * are), while the same row in two users' exports does not collide.
 */
export function replayEventId(userId: string, record: Record<string, unknown>): string {
  return createHash('sha256').update(userId).update('\n').update(canonicalJson(record)).digest('hex');
}
