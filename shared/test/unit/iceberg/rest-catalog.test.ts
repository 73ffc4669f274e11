import { PipelineError } from '@spotify-pipeline/shared/errors';
import { RestCatalog, restCatalogFor, icebergSettingsSchema } from '@spotify-pipeline/shared/iceberg';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A fetch that records requests and answers from a script, in order. */
function scriptedFetch(answers: Array<{ status: number; body: unknown }>) {
  const calls: Call[] = [];
  const fetchFn = (async (url: URL | string, init?: RequestInit) => {
    calls.push({ url: String(url), method: init?.method ?? 'GET', headers: (init?.headers ?? {}) as Record<string, string>, body: init?.body as string | undefined });
    const answer = answers.shift() ?? { status: 500, body: {} };
    return new Response(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body), { status: answer.status });
  }) as typeof fetch;
  return { fetchFn, calls };
}

// Raw text: a JS number literal could not even hold the id exactly.
const TABLE = '{"metadata-location":"s3://lake/t/metadata/1.json","metadata":{"format-version":2,"current-snapshot-id":9007199254740993,"snapshots":[]}}';

describe('RestCatalog', () => {
  it('takes the path prefix from /v1/config for the warehouse, as Glue answers it', async () => {
    const { fetchFn, calls } = scriptedFetch([
      { status: 200, body: { defaults: {}, overrides: { prefix: 'catalogs/123456789012' } } },
      { status: 200, body: TABLE },
    ]);
    const catalog = new RestCatalog({ uri: 'https://glue.eu-west-1.amazonaws.com/iceberg', warehouse: '123456789012', fetch: fetchFn });
    const loaded = await catalog.loadTable('spotify_lake', 'listening_events');
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET https://glue.eu-west-1.amazonaws.com/iceberg/v1/config?warehouse=123456789012',
      'GET https://glue.eu-west-1.amazonaws.com/iceberg/v1/catalogs/123456789012/namespaces/spotify_lake/tables/listening_events',
    ]);
    // A snapshot id past 2^53 arrives exact.
    expect(loaded!.metadata['current-snapshot-id']).toBe(9007199254740993n);
  });

  it('classifies answers: 404 is a missing table, 409 on a commit a conflict to re-plan, 5xx on a commit an unknown outcome, 403 fatal', async () => {
    const { fetchFn } = scriptedFetch([
      { status: 200, body: {} },
      { status: 404, body: { error: { type: 'NoSuchTableException', message: 'no table', code: 404 } } },
      { status: 409, body: { error: { type: 'CommitFailedException', message: 'branch main has changed', code: 409 } } },
      { status: 503, body: { error: { type: 'ServiceUnavailableException', message: 'busy', code: 503 } } },
      { status: 403, body: { error: { type: 'ForbiddenException', message: 'not allowed', code: 403 } } },
    ]);
    const catalog = new RestCatalog({ uri: 'http://catalog', fetch: fetchFn });
    await expect(catalog.loadTable('ns', 't')).resolves.toBeUndefined();
    const commit = () => catalog.commit('ns', 't', [], []);
    await expect(commit()).rejects.toMatchObject({ code: 'CATALOG_CONFLICT', retriable: true });
    await expect(commit()).rejects.toMatchObject({ code: 'CATALOG_COMMIT_UNKNOWN', retriable: true });
    await expect(commit()).rejects.toMatchObject({ code: 'CATALOG_ACCESS_DENIED', retriable: false });
  });

  it('treats a connection that never answers as an unknown commit outcome, not as a failure', async () => {
    const fetchFn = (async (_url: URL | string, init?: RequestInit) => {
      if (init?.method === 'GET') return new Response('{}', { status: 200 });
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') });
    }) as typeof fetch;
    const catalog = new RestCatalog({ uri: 'http://catalog', fetch: fetchFn });
    const err = await catalog.commit('ns', 't', [], []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect(err).toMatchObject({ code: 'CATALOG_COMMIT_UNKNOWN', retriable: true });
  });

  it('signs requests to Glue with SigV4 (service glue) and refuses glue without the account id', async () => {
    const settings = icebergSettingsSchema.parse({ catalog: 'glue', warehouse: '123456789012', region: 'eu-west-1' });
    const previous = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    try {
      const catalog = restCatalogFor(settings, 'us-east-1');
      expect(catalog.uri).toBe('https://glue.eu-west-1.amazonaws.com/iceberg');
      const { fetchFn, calls } = scriptedFetch([{ status: 200, body: { overrides: { prefix: 'catalogs/123456789012' } } }]);
      (catalog as unknown as { fetchFn: typeof fetch }).fetchFn = fetchFn;
      await catalog.init();
      const auth = calls[0]!.headers.authorization ?? '';
      expect(auth).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/glue\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/);
      expect(calls[0]!.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    } finally {
      process.env.AWS_ACCESS_KEY_ID = previous.id;
      process.env.AWS_SECRET_ACCESS_KEY = previous.secret;
      if (previous.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      if (previous.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    }
    // The config schema refuses it at start; settings built in code still meet the client's own check.
    expect(icebergSettingsSchema.safeParse({ catalog: 'glue' }).success).toBe(false);
    expect(() => restCatalogFor({ ...icebergSettingsSchema.parse({}), catalog: 'glue' }, 'us-east-1')).toThrow(/ICEBERG_WAREHOUSE/);
  });
});
