/**
 * MurmurHash3 (x86, 32-bit; Austin Appleby, public domain) over a string's UTF-16 code units, two
 * units per 32-bit block. The sketches only need a well-mixed hash that is the same in every
 * process (a rebuilt replica must place a user in the same HyperLogLog register), not one that
 * matches another library's byte-oriented output, so the string is never encoded to bytes: no
 * allocation per event on the hot path.
 */
export function murmur3(text: string, seed: number): number {
  let h = seed >>> 0;
  const length = text.length;
  const blocks = length >> 1;
  for (let i = 0; i < blocks; i++) {
    let k = text.charCodeAt(2 * i) | (text.charCodeAt(2 * i + 1) << 16);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (length & 1) {
    let k = text.charCodeAt(length - 1);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= length * 2;
  return fmix32(h);
}

/** The finaliser: every input bit affects every output bit (avalanche). */
function fmix32(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
