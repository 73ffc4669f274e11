import { randomBytes } from 'node:crypto';
import { kafkaClusterId, type RandomSource } from '../../../src/local/kafka-cluster-id';

/** 16 random bytes whose first byte is `first`: 0xF8..0xFB made the old generator's id start with '-'. */
const drawStartingWith = (first: number): Buffer => Buffer.concat([Buffer.from([first]), randomBytes(15)]);

/** A source that hands out the given draws in order, then real randomness. */
function scripted(draws: Buffer[]): RandomSource & { calls: number } {
  const source = Object.assign((size: number) => {
    source.calls += 1;
    return draws.shift() ?? randomBytes(size);
  }, { calls: 0 });
  return source;
}

describe('kafkaClusterId', () => {
  it('never starts with a dash and is always a version-4 UUID in unpadded base64url, over many draws', () => {
    const DRAWS = 20_000;
    const source = scripted([]);
    const bad: string[] = [];
    for (let i = 0; i < DRAWS; i++) {
      const id = kafkaClusterId(source);
      const bytes = Buffer.from(id, 'base64url');
      const wellFormed = /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/.test(id) && bytes.length === 16 && bytes[6]! >> 4 === 4 && bytes[8]! >> 6 === 0b10;
      if (!wellFormed) bad.push(id);
    }
    expect(bad).toEqual([]);
    // About one draw in 64 would have started with '-' (some 300 here): those were drawn again.
    expect(source.calls).toBeGreaterThan(DRAWS + 100);
  });

  it.each(['f8', 'f9', 'fa', 'fb'])('draws again when the first byte is 0x%s (the old id started with "-"), and keeps the next draw', (hex) => {
    const first = parseInt(hex, 16);
    const dashed = drawStartingWith(first);
    // The hazard is real: the old generator (bytes as drawn) gave an id kafka-storage reads as an option.
    expect(dashed.toString('base64url').startsWith('-')).toBe(true);
    const next = randomBytes(16);
    next[0] = 0x00;
    const source = scripted([dashed, next]);
    const id = kafkaClusterId(source);
    expect(source.calls).toBe(2);
    expect(id.startsWith('-')).toBe(false);
    // Only the version and variant bits differ from the second draw: the first is discarded, not patched.
    const bytes = Buffer.from(id, 'base64url');
    expect(bytes.subarray(0, 6)).toEqual(next.subarray(0, 6));
    expect(bytes.subarray(9)).toEqual(next.subarray(9));
  });

  it('keeps a draw whose first byte only neighbours the dash range (0xF4 gives "9", 0xFC gives "_")', () => {
    for (const first of [0xf4, 0xf7, 0xfc, 0xff]) {
      const source = scripted([drawStartingWith(first)]);
      const id = kafkaClusterId(source);
      expect(source.calls).toBe(1);
      expect(id.startsWith('-')).toBe(false);
    }
  });

  it('gives up with an error instead of looping forever on a source that only yields dashed ids', () => {
    const source = scripted(Array.from({ length: 100 }, () => drawStartingWith(0xf8)));
    expect(() => kafkaClusterId(source)).toThrow(/no usable Kafka cluster id in 64 draws/);
    expect(source.calls).toBe(64);
  });
});
