/**
 * A small client for Trino's HTTP protocol (what its CLI and JDBC driver speak): POST the SQL to
 * /v1/statement, then follow `nextUri` until the server stops giving one, collecting `columns` and
 * the `data` pages on the way. A failed query ends with an `error` object instead of data.
 * https://trino.io/docs/current/develop/client-protocol.html
 */

export interface TrinoColumn {
  name: string;
  /** Trino's type name, e.g. `bigint`, `varchar`, `timestamp(6) with time zone`. */
  type: string;
}

export interface TrinoResult {
  queryId: string;
  columns: TrinoColumn[];
  /**
   * One object per row, keyed by column name, values as Trino encodes them in JSON: numbers for
   * integer and floating types (a bigint beyond 2^53 loses precision), strings for decimal,
   * date and timestamp, arrays and objects for array, row and map.
   */
  rows: Record<string, unknown>[];
  /** Set for statements that are not queries: CREATE TABLE, INSERT, ... */
  updateType?: string;
  updateCount?: number;
}

export interface TrinoClientOptions {
  /** The coordinator, e.g. http://127.0.0.1:8080. */
  uri: string;
  /** X-Trino-User; the local server has no authentication, but every query needs a user. */
  user?: string;
  /** Default catalog and schema for unqualified names (a `USE` statement changes them). */
  catalog?: string;
  schema?: string;
  /** Per query, from POST to the last page; the query is cancelled when it passes. */
  timeoutMs?: number;
}

interface TrinoErrorBody {
  message?: string;
  errorCode?: number;
  errorName?: string;
  errorType?: string;
}

interface QueryResults {
  id: string;
  nextUri?: string;
  columns?: { name: string; type: string }[];
  data?: unknown[][];
  error?: TrinoErrorBody;
  updateType?: string;
  updateCount?: number;
}

/** A query Trino ran and failed: its own message and error name (TABLE_NOT_FOUND, SYNTAX_ERROR, ...). */
export class TrinoQueryError extends Error {
  readonly errorName: string;
  readonly errorType: string | undefined;
  readonly errorCode: number | undefined;
  readonly queryId: string;

  constructor(queryId: string, error: TrinoErrorBody, readonly sql: string) {
    super(`Trino query ${queryId} failed: ${error.errorName ?? 'UNKNOWN'}: ${error.message ?? '(no message)'}`);
    this.name = 'TrinoQueryError';
    this.queryId = queryId;
    this.errorName = error.errorName ?? 'UNKNOWN';
    this.errorType = error.errorType;
    this.errorCode = error.errorCode;
  }
}

/** The server asks clients to retry these (a busy or restarting coordinator), per the protocol. */
const RETRY_STATUS = new Set([502, 503, 504]);

export class TrinoClient {
  private catalog: string | undefined;
  private schema: string | undefined;

  constructor(private readonly options: TrinoClientOptions) {
    this.catalog = options.catalog;
    this.schema = options.schema;
  }

  async query(sql: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<TrinoResult> {
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? 120_000;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    const headers: Record<string, string> = {
      'X-Trino-User': this.options.user ?? 'testkit',
      'X-Trino-Source': 'testkit',
      // Without it Trino treats the client as legacy: timestamps rounded to milliseconds and typed
      // without their precision, hiding exactly the microseconds the lake's tables keep.
      'X-Trino-Client-Capabilities': 'PARAMETRIC_DATETIME',
    };
    let page: QueryResults | undefined;
    try {
      page = await this.send(`${this.options.uri.replace(/\/$/, '')}/v1/statement`, {
        method: 'POST',
        headers: {
          ...headers,
          'Content-Type': 'text/plain; charset=utf-8',
          ...(this.catalog ? { 'X-Trino-Catalog': this.catalog } : {}),
          ...(this.schema ? { 'X-Trino-Schema': this.schema } : {}),
        },
        body: sql,
        signal,
      });
      const queryId = page.id;
      let columns: TrinoColumn[] | undefined;
      const rows: Record<string, unknown>[] = [];
      for (;;) {
        if (page.error) throw new TrinoQueryError(page.id, page.error, sql);
        columns ??= page.columns?.map(({ name, type }) => ({ name, type }));
        for (const values of page.data ?? []) rows.push(rowObject(columns ?? [], values));
        if (!page.nextUri) break;
        page = await this.send(page.nextUri, { method: 'GET', headers, signal });
      }
      return {
        queryId,
        columns: columns ?? [],
        rows,
        ...(page.updateType === undefined ? {} : { updateType: page.updateType }),
        ...(page.updateCount === undefined ? {} : { updateCount: page.updateCount }),
      };
    } catch (err) {
      // A client that gives up must say so, or the query keeps running (and holding memory) on the server.
      if (page?.nextUri) void fetch(page.nextUri, { method: 'DELETE', headers, signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
      if (deadline.aborted && !(err instanceof TrinoQueryError)) {
        throw new Error(`Trino query timed out after ${timeoutMs} ms${page ? ` (query ${page.id})` : ''}: ${sql.slice(0, 200)}`, { cause: err });
      }
      throw err;
    }
  }

  /** One protocol request; retried on 502/503/504 until the query's deadline, like Trino's own clients. */
  private async send(url: string, init: RequestInit & { signal: AbortSignal }): Promise<QueryResults> {
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, init);
      } catch (err) {
        if (init.signal.aborted) throw new Error(`Trino ${init.method} ${url} abandoned: ${String(init.signal.reason)}`, { cause: err });
        throw new Error(`Trino ${init.method} ${url} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      if (res.status === 200) {
        this.applySessionUpdates(res.headers);
        return (await res.json()) as QueryResults;
      }
      const text = await res.text().catch(() => '');
      if (!RETRY_STATUS.has(res.status)) throw new Error(`Trino answered HTTP ${res.status} to ${init.method} ${url}: ${text.slice(0, 500)}`);
      await abortableDelay(Math.min(50 * 2 ** attempt, 1_000), init.signal).catch((err: unknown) => {
        throw new Error(`Trino ${init.method} ${url} still answered HTTP ${res.status} when the query's deadline passed`, { cause: err });
      });
    }
  }

  /** `USE catalog.schema` answers with headers the client must send from then on. */
  private applySessionUpdates(headers: Headers): void {
    this.catalog = headers.get('X-Trino-Set-Catalog') ?? this.catalog;
    this.schema = headers.get('X-Trino-Set-Schema') ?? this.schema;
  }
}

function rowObject(columns: TrinoColumn[], values: unknown[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  values.forEach((value, i) => {
    row[columns[i]?.name ?? `_col${i}`] = value;
  });
  return row;
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
