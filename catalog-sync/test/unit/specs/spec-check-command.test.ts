import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/run-cli';

const WEB_CLICKS = join(__dirname, '../../../../shared/test/unit/table-spec/fixtures/web_clicks.table.yaml');

async function cli(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { env, stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

describe('catalog-sync spec check', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spec-check-'));
    await writeFile(
      join(dir, 'orders.schema.json'),
      JSON.stringify({ type: 'object', properties: { id: { type: 'string' }, at: { type: 'integer' }, amount_cents: { type: 'integer' }, track_uri: { type: ['string', 'null'] } }, required: ['id', 'at', 'amount_cents'] }),
    );
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function spec(derived: string[], extra: string[] = []): Promise<string> {
    const file = join(dir, 'orders.table.yaml');
    await writeFile(
      file,
      ['spec_version: 1', 'table: orders', 'topics: [orders]', 'schema: orders.schema.json', 'event_time: { field: at, format: epoch_s }', 'partitioning: { time: day }', 'derived_columns:', ...derived, ...extra].join('\n'),
    );
    return file;
  }

  it('prints the columns, the partitioning and the Iceberg schema of a usable spec', async () => {
    const { code, stdout, stderr } = await cli(['spec', 'check', WEB_CLICKS]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('partitioning: day(occurred_at_ms) as occurred_at_ms_day; identity(device) as device, at most 3 values per object; bucket[8](user_id) as user_id_bucket');
    expect(stdout).toMatch(/ 5 \| page_url +\| string +\| no +\| page\.url/);
    expect(stdout).toContain('{"id":9,"name":"page_host","required":false,"type":"string"}');
    expect(stdout).toContain('{"name":"user_id_bucket","transform":"bucket[8]","source-id":3,"field-id":1002}');
  });

  it('binds a derived column against the record and a lookup of a built-in table', async () => {
    const file = await spec(
      ['  - { name: amount, type: double, sql: "e.amount_cents / 100.0" }', '  - { name: minutes, type: double, sql: "d.duration_ms / 60000.0" }', '  - { name: day, type: date, sql: "CAST(e.at AS DATE)" }'],
      ['lookups: [{ alias: d, table: tracks, on: { field: track_uri, column: uri }, columns: [duration_ms] }]'],
    );
    const { code, stderr } = await cli(['spec', 'check', file]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('fails with one line for a derived column that does not parse, one for an unknown column, one for a wrong type', async () => {
    const file = await spec(['  - { name: a, type: double, sql: "e.amount_cents / / 100" }', '  - { name: b, type: string, sql: "upper(e.no_such_field)" }', '  - { name: c, type: int, sql: "e.amount_cents / 100.0" }']);
    const { code, stdout, stderr } = await cli(['spec', 'check', file]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(new RegExp(`^${file}: derived_columns\\[0\\]\\.sql: does not parse or bind in DuckDB: .*syntax error.* — fix: `));
    expect(lines[1]).toMatch(new RegExp(`^${file}: derived_columns\\[1\\]\\.sql: does not parse or bind in DuckDB: .*no_such_field.* — fix: `));
    expect(lines[2]).toBe(`${file}: derived_columns[2]: c is declared int but its SQL yields DOUBLE — fix: CAST(... AS INTEGER) in the SQL, or declare the type DuckDB infers`);
    expect(lines[3]).toMatch(/^3 problems: .* is not usable$/);
  });

  it('refuses a second statement hidden in a derived column', async () => {
    const file = await spec(['  - { name: a, type: int, sql: "1; DROP TABLE x" }']);
    const { code, stderr } = await cli(['spec', 'check', file]);
    expect(code).toBe(1);
    expect(stderr).toContain(`${file}: derived_columns[0].sql: holds a ";": a derived column is one expression — fix: write a single SQL expression, no statements`);
  });

  it('binds saved queries against every table of the deployment: a misspelt column and a built-in name fail, one line each', async () => {
    const file = await spec(
      ['  - { name: amount, type: double, sql: "e.amount_cents / 100.0" }'],
      [
        'queries:',
        '  - { name: daily-amount, description: Amount per day, sql: "SELECT CAST(o.at AS DATE) AS day, SUM(amount) AS amount FROM orders o GROUP BY 1 ORDER BY 1" }',
        '  - { name: with-plays, description: Orders beside plays, sql: "SELECT COUNT(*) AS n FROM orders o JOIN listening_events l ON l.user_id = o.id" }',
        '  - { name: typo, description: Broken, sql: "SELECT amount_cent FROM orders" }',
        '  - { name: top-tracks, description: Clashes, sql: "SELECT 1" }',
      ],
    );
    const { code, stderr } = await cli(['spec', 'check', file]);
    expect(code).toBe(1);
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^${file}: queries\\[2\\]\\.sql: does not bind in DuckDB: .*amount_cent.* — fix: `)),
      `${file}: queries[3].name: top-tracks is the name of a built-in saved query — fix: choose another name (catalog-sync report --list shows them)`,
      expect.stringMatching(/^2 problems: /),
    ]);
  });

  it('lists the saved queries of the table specs with the built-in ones', async () => {
    const file = await spec(['  - { name: amount, type: double, sql: "e.amount_cents / 100.0" }'], ['queries:', '  - { name: daily-orders, description: Orders per day, sql: "SELECT CAST(o.at AS DATE) AS day, COUNT(*) AS n FROM orders o GROUP BY 1 ORDER BY 1" }']);
    const { code, stdout } = await cli(['spec', 'check', file]);
    expect(code).toBe(0);
    expect(stdout).toContain('saved queries: daily-orders (catalog-sync report <name>)');
    const listed = await cli(['report', '--list'], { TABLE_SPECS_DIR: dir });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^top-tracks +Top 10 tracks per day/m);
    expect(listed.stdout).toMatch(/^daily-orders +Orders per day \(orders, table spec\)$/m);
  });

  it('says how to call it when the file is missing', async () => {
    const { code, stderr } = await cli(['spec', 'check']);
    expect(code).toBe(2);
    expect(stderr).toContain('catalog-sync spec check <file.table.yaml>');
  });
});
