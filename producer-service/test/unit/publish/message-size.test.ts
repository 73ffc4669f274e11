import { oversizedRecordBytes, RECORD_FRAMING_BYTES } from '../../../src/publish/message-size';

describe('oversizedRecordBytes', () => {
  const limit = 1_000;

  it('lets a record through at exactly the limit, counting key, value and framing, and refuses one byte more', () => {
    const key = 'user-1';
    const fits = Buffer.alloc(limit - RECORD_FRAMING_BYTES - key.length);
    expect(oversizedRecordBytes(key, fits, limit)).toBeUndefined();
    expect(oversizedRecordBytes(key, Buffer.alloc(fits.length + 1), limit)).toBe(limit + 1);
  });

  it('counts the key in UTF-8 bytes, not characters', () => {
    const key = 'é'.repeat(10); // 10 characters, 20 bytes
    const value = Buffer.alloc(limit - RECORD_FRAMING_BYTES - 15);
    // By characters it would fit (10 <= 15); by bytes it does not (20 > 15).
    expect(oversizedRecordBytes(key, value, limit)).toBe(limit + 5);
    expect(oversizedRecordBytes(key, Buffer.alloc(value.length - 5), limit)).toBeUndefined();
  });

  it('counts a multi-byte value by its bytes', () => {
    const value = Buffer.from('€'.repeat(400)); // 400 characters, 1,200 bytes
    expect(oversizedRecordBytes('k', value, limit)).toBe(RECORD_FRAMING_BYTES + 1 + 1_200);
  });
});
