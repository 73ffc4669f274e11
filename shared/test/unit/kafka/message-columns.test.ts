import { META_FIELDS, messagesFromColumns, type MessageColumns } from '../../../src/kafka/message-columns.js';

/** Columns as the native consumeColumns lays them out, from message-like rows. */
function columnsOf(
  rows: Array<{ topic: string; partition: number; offset: number; timestamp: number; value: string | null; key: string | null; headers?: Array<Record<string, Buffer>> }>,
): MessageColumns {
  const topics = [...new Set(rows.map((r) => r.topic))];
  const meta = new Float64Array(rows.length * META_FIELDS);
  rows.forEach((r, i) => meta.set([r.partition, r.offset, r.timestamp, r.value === null ? -1 : Buffer.byteLength(r.value), r.key === null ? -1 : Buffer.byteLength(r.key), topics.indexOf(r.topic)], i * META_FIELDS));
  const headers: MessageColumns['headers'] = [];
  rows.forEach((r, i) => {
    if (r.headers) headers[i] = r.headers;
  });
  return {
    values: Buffer.concat(rows.map((r) => Buffer.from(r.value ?? ''))),
    keys: Buffer.concat(rows.map((r) => Buffer.from(r.key ?? ''))),
    meta,
    topics,
    headers,
    eofs: [],
  };
}

describe('messagesFromColumns', () => {
  it('gives each message its own value and key, null where the record had none, and the right topic, partition, offset and timestamp', () => {
    const messages = messagesFromColumns(
      columnsOf([
        { topic: 'a', partition: 0, offset: 7, timestamp: 1_700_000_000_000, value: '{"n":1}', key: 'user-1' },
        { topic: 'a', partition: 0, offset: 8, timestamp: 1_700_000_000_001, value: null, key: 'user-2' },
        { topic: 'b', partition: 3, offset: 2 ** 40, timestamp: 5, value: '', key: null },
        { topic: 'a', partition: 1, offset: 0, timestamp: 6, value: 'héllo ✓', key: '', headers: [{ 'error.code': Buffer.from('X') }] },
      ]),
    );
    expect(messages.map((m) => [m.topic, m.partition, m.offset, m.timestamp])).toEqual([
      ['a', 0, 7, 1_700_000_000_000],
      ['a', 0, 8, 1_700_000_000_001],
      ['b', 3, 2 ** 40, 5],
      ['a', 1, 0, 6],
    ]);
    expect(messages.map((m) => (m.value === null ? null : m.value.toString()))).toEqual(['{"n":1}', null, '', 'héllo ✓']);
    expect(messages.map((m) => (m.key === null || m.key === undefined ? null : m.key.toString()))).toEqual(['user-1', 'user-2', null, '']);
    expect(messages.map((m) => m.size)).toEqual([7, 0, 0, Buffer.byteLength('héllo ✓')]);
    // Headers only where the record had some, as the client sets them.
    expect(messages.map((m) => 'headers' in m)).toEqual([false, false, false, true]);
    expect(messages[3]!.headers).toEqual([{ 'error.code': Buffer.from('X') }]);
    expect(Buffer.isBuffer(messages[0]!.value)).toBe(true);
  });

  it('returns nothing for an empty batch', () => {
    expect(messagesFromColumns(columnsOf([]))).toEqual([]);
  });
});
