/**
 * MurmurHash3, x86 32-bit variant (Austin Appleby's reference `MurmurHash3_x86_32`): the hash
 * Iceberg's bucket transform is defined by (spec, Appendix B). A bucket number that differs from
 * the one Java computes puts rows in a partition engines never look in for them, so this follows
 * the reference line by line and is tested against SMHasher's and the Iceberg spec's vectors.
 *
 * All arithmetic is on 32-bit integers: `Math.imul` multiplies modulo 2^32, `| 0` and `>>> 0`
 * wrap, and `>>>` is the unsigned shift the reference's `uint32_t` implies.
 */
const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

const rotl32 = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

/** The per-block key mix, shared by the body and the tail. */
const mixK = (k: number): number => Math.imul(rotl32(Math.imul(k, C1), 15), C2);

/** The finaliser: forces every input bit to affect every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** The hash of `bytes` as Java's `int` (signed 32-bit), which is what Iceberg's `& Integer.MAX_VALUE` expects. */
export function murmur3x86_32(bytes: Uint8Array, seed = 0): number {
  let h = seed | 0;
  const blockBytes = bytes.length - (bytes.length % 4);
  // Body: 4-byte blocks read little-endian (the reference reads uint32_t on x86).
  for (let i = 0; i < blockBytes; i += 4) {
    const k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    h ^= mixK(k);
    h = rotl32(h, 13);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  // Tail: the 1–3 bytes left, little-endian, mixed in without the rotate-multiply-add of a block.
  let k = 0;
  for (let i = bytes.length - 1; i >= blockBytes; i--) k = (k << 8) | bytes[i]!;
  if (bytes.length > blockBytes) h ^= mixK(k);
  // The length is the byte count modulo 2^32 (a `uint32_t` in the reference).
  h ^= bytes.length;
  return fmix32(h) | 0;
}
