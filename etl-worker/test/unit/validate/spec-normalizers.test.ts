import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { duckdbLower, duckdbTrim, duckdbUpper } from '../../../src/validate/spec-normalizers';

/** Every Unicode scalar value (no surrogates: a lone one is quarantined before any normaliser runs). */
function everyCodePoint(): number[] {
  const all: number[] = [];
  for (let c = 1; c <= 0x10ffff; c++) if (c < 0xd800 || c > 0xdfff) all.push(c);
  return all;
}

describe('spec normalisers compute what DuckDB upper(), lower() and trim() write (DuckDB in process)', () => {
  let connection: DuckDBConnection;
  let dir: string;

  beforeAll(async () => {
    connection = await (await DuckDBInstance.create(':memory:')).connect();
    dir = await mkdtemp(join(tmpdir(), 'etl-normalisers-'));
  });
  afterAll(async () => {
    connection.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  // 1.1M code points through DuckDB: ~3.5 s alone, several times that beside the whole suite on 2 cores.
  it('for every code point, alone and between others, the same text as DuckDB', async () => {
    // Through read_ndjson, as the lake reads records: the JS result travels as a value to compare in SQL.
    const lines = everyCodePoint().map((cp) => {
      const c = String.fromCodePoint(cp);
      const text = `${c}a${c}Z ${c}`;
      return JSON.stringify({ cp, s: text, u: duckdbUpper(text), l: duckdbLower(text), t: duckdbTrim(text) });
    });
    const path = join(dir, 'code-points.ndjson');
    await writeFile(path, lines.join('\n'));
    const read = `read_ndjson('${path}', columns = {cp: 'INTEGER', s: 'VARCHAR', u: 'VARCHAR', l: 'VARCHAR', t: 'VARCHAR'}, format = 'newline_delimited')`;
    const reader = await connection.runAndReadAll(
      `SELECT count(*)::INTEGER AS n, list(cp ORDER BY cp) FILTER (WHERE upper(s) <> u) AS upper, list(cp ORDER BY cp) FILTER (WHERE lower(s) <> l) AS lower, list(cp ORDER BY cp) FILTER (WHERE trim(s) <> t) AS trim FROM ${read}`,
    );
    const [row] = reader.getRowObjectsJson();
    expect(row).toEqual({ n: lines.length, upper: null, lower: null, trim: null });
  }, 120_000);

  it('differs from String#toUpperCase, toLowerCase and trim where DuckDB does', () => {
    expect(duckdbUpper('straße')).toBe('STRAẞE');
    expect('straße'.toUpperCase()).toBe('STRASSE');
    expect(duckdbLower('ΟΔΟΣ İ')).toBe('οδοσ i');
    expect(duckdbTrim('\u00a0 x\t\u3000')).toBe('x\t');
    expect(duckdbTrim('\n x \n')).toBe('\n x \n');
  });

  it('leaves ASCII to the fast path with the usual result', () => {
    expect(duckdbUpper('se')).toBe('SE');
    expect(duckdbLower('Retail B2B')).toBe('retail b2b');
    expect(duckdbTrim('  SKU-1 ')).toBe('SKU-1');
  });
});
