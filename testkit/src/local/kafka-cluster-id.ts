import { randomBytes } from 'node:crypto';

/** 16 random bytes per call; injected so a test can hand the generator the draws that once broke it. */
export type RandomSource = (size: number) => Buffer;

/** How many draws before giving up: one in 64 is rejected, so 64 rejections in a row means a broken source. */
const MAX_DRAWS = 64;

/**
 * A KRaft cluster id the way Kafka's own `Uuid.randomUuid()` makes one: a version-4 UUID (the bits
 * java.util.UUID.randomUUID sets), written as unpadded base64url (22 characters), drawn again when
 * the text starts with '-'.
 *
 * Why the redraw: `kafka-storage format -t <id>` parses its arguments, and an id starting with '-'
 * is read as an option ("argument --cluster-id/-t: expected one argument"). In base64url '-' is
 * digit 62, so any first byte 0xF8..0xFB gives a leading dash: one random id in 64, one broker
 * start in 64. Kafka also never hands out its reserved ids (all zeros, and 0…01 for the metadata
 * topic); the version bits already rule both out, the check below only keeps the rule visible.
 */
export function kafkaClusterId(random: RandomSource = randomBytes): string {
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const bytes = Buffer.from(random(16));
    if (bytes.length !== 16) throw new Error(`random source returned ${bytes.length} bytes, expected 16`);
    bytes[6] = (bytes[6]! & 0x0f) | 0x40;
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    const id = bytes.toString('base64url');
    if (!id.startsWith('-') && !isReserved(bytes)) return id;
  }
  throw new Error(`no usable Kafka cluster id in ${MAX_DRAWS} draws: the random source is not random`);
}

/** Kafka's reserved ids: ZERO_UUID and ONE_UUID (the metadata topic's id). */
function isReserved(bytes: Buffer): boolean {
  return bytes.subarray(0, 15).every((b) => b === 0) && (bytes[15] === 0 || bytes[15] === 1);
}
