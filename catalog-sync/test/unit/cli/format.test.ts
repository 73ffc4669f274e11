import { formatCsv, formatTable } from '../../../src/cli/format';

const result = {
  columns: [
    { name: 'track_name', type: 'VARCHAR' },
    { name: 'plays', type: 'BIGINT' },
  ],
  rows: [
    { track_name: 'Hello, "World"', plays: 12 },
    { track_name: null, plays: 7 },
  ],
};

describe('output formats', () => {
  it('quotes CSV fields holding commas or quotes (RFC 4180) and prints NULL as empty', () => {
    expect(formatCsv(result)).toBe('track_name,plays\r\n"Hello, ""World""",12\r\n,7\r\n');
  });

  it('aligns a table: numbers right, text left, with a row count', () => {
    expect(formatTable(result)).toBe(['track_name     | plays', '---------------+------', 'Hello, "World" |    12', '               |     7', '(2 rows)', ''].join('\n'));
  });
});
