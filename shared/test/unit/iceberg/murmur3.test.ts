import { murmur3x86_32 } from '@spotify-pipeline/shared/iceberg';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const longLE = (n: bigint): Buffer => {
  const buf = Buffer.alloc(8);
  buf.writeBigInt64LE(n);
  return buf;
};

describe('murmur3x86_32', () => {
  // SMHasher's verification vectors for MurmurHash3_x86_32 (as published with the reference), unsigned.
  it.each([
    ['no bytes, seed 0', bytes(), 0, 0],
    ['no bytes, seed 1', bytes(), 1, 0x514e28b7],
    ['no bytes, seed 0xffffffff (the seed is unsigned)', bytes(), 0xffffffff, 0x81f16f39],
    ['ff ff ff ff (blocks use unsigned math)', bytes(0xff, 0xff, 0xff, 0xff), 0, 0x76293b50],
    ['21 43 65 87 (blocks read little-endian)', bytes(0x21, 0x43, 0x65, 0x87), 0, 0xf55b516b],
    ['21 43 65 87, seed 0x5082edee', bytes(0x21, 0x43, 0x65, 0x87), 0x5082edee, 0x2362f9de],
    ['21 43 65 (three-byte tail)', bytes(0x21, 0x43, 0x65), 0, 0x7e4a8634],
    ['21 43 (two-byte tail)', bytes(0x21, 0x43), 0, 0xa0f7b07a],
    ['21 (one-byte tail)', bytes(0x21), 0, 0x72661cf4],
    ['00 00 00 00', bytes(0, 0, 0, 0), 0, 0x2362f9de],
    ['00 00 00', bytes(0, 0, 0), 0, 0x85f0b427],
    ['00 00', bytes(0, 0), 0, 0x30f4c306],
    ['00', bytes(0), 0, 0x514e28b7],
    ['"aaaa"', Buffer.from('aaaa'), 0x9747b28c, 0x5a97808a],
    ['"aaa"', Buffer.from('aaa'), 0x9747b28c, 0x283e0130],
    ['"aa"', Buffer.from('aa'), 0x9747b28c, 0x5d211726],
    ['"a"', Buffer.from('a'), 0x9747b28c, 0x7fa09ea6],
  ])('%s', (_name, input, seed, expected) => {
    expect(murmur3x86_32(input, seed) >>> 0).toBe(expected);
  });

  // Iceberg spec, Appendix B: the test values, hashed from the byte encodings the appendix defines.
  it('gives the Iceberg spec test values (Appendix B), as signed Java ints', () => {
    expect(murmur3x86_32(longLE(34n))).toBe(2017239379); // int and long 34
    expect(murmur3x86_32(longLE(17486n))).toBe(-653330422); // date 2017-11-16, days
    expect(murmur3x86_32(longLE(81_068_000_000n))).toBe(-662762989); // time 22:31:08, µs
    expect(murmur3x86_32(longLE(1_510_871_468_000_000n))).toBe(-2047944441); // timestamp 2017-11-16T22:31:08, µs
    expect(murmur3x86_32(Buffer.from('iceberg', 'utf8'))).toBe(1210000089);
    expect(murmur3x86_32(Buffer.from('f79c3e09677c4bbda4793f349cb785e7', 'hex'))).toBe(1488055340); // uuid, big-endian bytes
    expect(murmur3x86_32(bytes(0x05, 0x8c))).toBe(-500754589); // decimal 14.20: unscaled 1420, minimal big-endian
    expect(murmur3x86_32(bytes(0, 1, 2, 3))).toBe(-188683207); // fixed / binary
    expect(murmur3x86_32(longLE(1n))).toBe(1392991556); // boolean true = hashInt(1)
    expect(murmur3x86_32(longLE(0x3ff0000000000000n))).toBe(-142385009); // double 1.0D, doubleToLongBits
    expect(murmur3x86_32(longLE(0n))).toBe(1669671676); // double 0.0D
  });
});
