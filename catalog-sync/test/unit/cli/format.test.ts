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

  it('aligns CJK and emoji track names by display columns (a wide character takes two)', () => {
    const wide = {
      columns: [
        { name: 'track_name', type: 'VARCHAR' },
        { name: 'artist_name', type: 'VARCHAR' },
        { name: 'plays', type: 'BIGINT' },
      ],
      rows: [
        { track_name: '東京の夜', artist_name: 'Orbit', plays: 73 },
        { track_name: 'Neon Road', artist_name: '사랑 🎵', plays: 5 },
        { track_name: 'Corazo\u0301n', artist_name: 'Noite 👨‍👩‍👧', plays: 1234 },
      ],
    };
    const lines = formatTable(wide).split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'track_name | artist_name | plays',
      '-----------+-------------+------',
      '東京の夜   | Orbit       |    73',
      'Neon Road  | 사랑 🎵     |     5',
      'Corazo\u0301n    | Noite 👨‍👩‍👧    |  1234',
    ]);
    // Every row puts the column separators at the same terminal column as the header.
    const separatorColumns = (line: string) => {
      const columns: number[] = [];
      let column = 0;
      for (const { segment } of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(line)) {
        if (segment === '|') columns.push(column);
        column += /[\u1100-\u115f\u3040-\u9fff\uac00-\ud7a3]|\p{Emoji_Presentation}/u.test(segment) ? 2 : 1;
      }
      return columns;
    };
    for (const line of lines.slice(2, 5)) expect(separatorColumns(line)).toEqual(separatorColumns(lines[0]!));
  });
});
