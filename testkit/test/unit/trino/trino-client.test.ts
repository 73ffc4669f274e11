import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TrinoClient, TrinoQueryError } from '../../../src/trino/trino-client';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A stand-in coordinator: answers each request with the next scripted reply, records what it was sent. */
class FakeTrino {
  readonly seen: Seen[] = [];
  private server: Server | undefined;
  uri = '';

  constructor(private readonly reply: (req: Seen, uri: string) => { status?: number; body?: unknown; headers?: Record<string, string> } | 'hang') {}

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
        this.seen.push(seen);
        const answer = this.reply(seen, this.uri);
        if (answer === 'hang') return; // never answered: the client's deadline must end it
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.uri = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

const columns = [
  { name: 'event_id', type: 'varchar', typeSignature: { rawType: 'varchar' } },
  { name: 'ms_played', type: 'bigint', typeSignature: { rawType: 'bigint' } },
];

describe('TrinoClient', () => {
  let fake: FakeTrino | undefined;
  afterEach(async () => fake?.stop());

  it('posts the SQL with user, catalog and schema, follows nextUri across pages and a 503, and keys rows by column', async () => {
    let busyOnce = true;
    fake = new FakeTrino((req, uri) => {
      if (req.method === 'POST') return { body: { id: 'q1', nextUri: `${uri}/v1/statement/executing/q1/1`, stats: { state: 'QUEUED' } } };
      if (req.url.endsWith('/1')) return { body: { id: 'q1', nextUri: `${uri}/v1/statement/executing/q1/2`, columns, stats: { state: 'RUNNING' } } };
      if (req.url.endsWith('/2') && busyOnce) {
        busyOnce = false;
        return { status: 503, body: 'busy' };
      }
      if (req.url.endsWith('/2')) return { body: { id: 'q1', nextUri: `${uri}/v1/statement/executing/q1/3`, columns, data: [['a', 1], ['b', 2]] } };
      return { body: { id: 'q1', columns, data: [['c', 3]], stats: { state: 'FINISHED' } } };
    });
    await fake.start();

    const result = await new TrinoClient({ uri: fake.uri, user: 'alice', catalog: 'iceberg', schema: 'lake' }).query('SELECT event_id, ms_played FROM t');

    expect(result.queryId).toBe('q1');
    expect(result.columns).toEqual([
      { name: 'event_id', type: 'varchar' },
      { name: 'ms_played', type: 'bigint' },
    ]);
    expect(result.rows).toEqual([
      { event_id: 'a', ms_played: 1 },
      { event_id: 'b', ms_played: 2 },
      { event_id: 'c', ms_played: 3 },
    ]);
    const [post, ...gets] = fake.seen;
    expect(post).toMatchObject({ method: 'POST', url: '/v1/statement', body: 'SELECT event_id, ms_played FROM t' });
    expect(post!.headers).toMatchObject({ 'x-trino-user': 'alice', 'x-trino-catalog': 'iceberg', 'x-trino-schema': 'lake' });
    // Page 2 twice (the 503 is retried), every page fetched with the user, none skipped.
    expect(gets.map((g) => `${g.method} ${g.url}`)).toEqual([
      'GET /v1/statement/executing/q1/1',
      'GET /v1/statement/executing/q1/2',
      'GET /v1/statement/executing/q1/2',
      'GET /v1/statement/executing/q1/3',
    ]);
    for (const get of gets) expect(get.headers['x-trino-user']).toBe('alice');
  });

  it("raises Trino's own message and error name when the query fails, after collecting nothing", async () => {
    fake = new FakeTrino((req, uri) =>
      req.method === 'POST'
        ? { body: { id: 'q2', nextUri: `${uri}/v1/statement/executing/q2/1` } }
        : { body: { id: 'q2', error: { message: "line 1:15: Table 'iceberg.lake.missing' does not exist", errorCode: 46, errorName: 'TABLE_NOT_FOUND', errorType: 'USER_ERROR' } } },
    );
    await fake.start();

    const failure = await new TrinoClient({ uri: fake.uri }).query('SELECT * FROM missing').catch((err: unknown) => err);

    expect(failure).toBeInstanceOf(TrinoQueryError);
    expect(failure).toMatchObject({ errorName: 'TABLE_NOT_FOUND', errorType: 'USER_ERROR', errorCode: 46, queryId: 'q2', sql: 'SELECT * FROM missing' });
    expect((failure as Error).message).toContain("Table 'iceberg.lake.missing' does not exist");
  });

  it('fails on an HTTP error that is not a retry request, naming the status and the body', async () => {
    fake = new FakeTrino(() => ({ status: 400, body: 'Error 400 Bad Request: X-Trino-User must be set' }));
    await fake.start();

    await expect(new TrinoClient({ uri: fake.uri }).query('SELECT 1')).rejects.toThrow(/HTTP 400 .*X-Trino-User must be set/);
    expect(fake.seen).toHaveLength(1);
  });

  it('gives up at its deadline and cancels the query on the server instead of leaving it running', async () => {
    fake = new FakeTrino((req, uri) => {
      if (req.method === 'POST') return { body: { id: 'q3', nextUri: `${uri}/v1/statement/executing/q3/1` } };
      if (req.method === 'DELETE') return { status: 204 };
      return 'hang';
    });
    await fake.start();

    await expect(new TrinoClient({ uri: fake.uri }).query('SELECT slow()', { timeoutMs: 300 })).rejects.toThrow(/timed out after 300 ms \(query q3\)/);
    const deadline = Date.now() + 5_000;
    while (!fake.seen.some((s) => s.method === 'DELETE') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(fake.seen.find((s) => s.method === 'DELETE')?.url).toBe('/v1/statement/executing/q3/1');
  });

  it('sends the catalog and schema a USE statement set to the following queries', async () => {
    fake = new FakeTrino((req) =>
      req.body.startsWith('USE') ? { body: { id: 'u', updateType: 'USE' }, headers: { 'X-Trino-Set-Catalog': 'iceberg', 'X-Trino-Set-Schema': 'other' } } : { body: { id: 'q', columns: [], data: [] } },
    );
    await fake.start();
    const client = new TrinoClient({ uri: fake.uri });

    expect((await client.query('USE iceberg.other')).updateType).toBe('USE');
    await client.query('SELECT 1');

    expect(fake.seen[1]!.headers).toMatchObject({ 'x-trino-catalog': 'iceberg', 'x-trino-schema': 'other' });
  });
});
