import { PipelineError } from '../errors/index.js';
import { parseIcebergJson, stringifyIcebergJson } from './big-ids.js';
import { classifyRestError, networkError, type RestErrorBody } from './rest-error.js';
import type { IcebergSchema, LoadedTable, PartitionSpec, Snapshot, TableMetadata } from './table-metadata.js';

export type TableRequirement =
  | { type: 'assert-create' }
  | { type: 'assert-table-uuid'; uuid: string }
  | { type: 'assert-ref-snapshot-id'; ref: string; 'snapshot-id': bigint | null }
  | { type: 'assert-current-schema-id'; 'current-schema-id': number }
  | { type: 'assert-last-assigned-field-id'; 'last-assigned-field-id': number };

export type TableUpdate =
  | { action: 'add-snapshot'; snapshot: Snapshot }
  | { action: 'set-snapshot-ref'; 'ref-name': string; type: 'branch'; 'snapshot-id': bigint }
  | { action: 'remove-snapshots'; 'snapshot-ids': bigint[] }
  | { action: 'add-schema'; schema: IcebergSchema; 'last-column-id': number }
  | { action: 'set-current-schema'; 'schema-id': number }
  | { action: 'set-properties'; updates: Record<string, string> };

export interface CreateTableRequest {
  name: string;
  location: string;
  schema: IcebergSchema;
  'partition-spec': PartitionSpec;
  properties: Record<string, string>;
}

/** Signs a request (SigV4 for Glue); returns the headers to send. */
export type RequestSigner = (request: { method: string; url: URL; headers: Record<string, string>; body: string | undefined }) => Promise<Record<string, string>>;

export interface RestCatalogOptions {
  /** Base URI without `/v1`: `http://127.0.0.1:8181`, `https://glue.us-east-1.amazonaws.com/iceberg`. */
  uri: string;
  /** Passed to `GET /v1/config`; Glue wants the account id. */
  warehouse?: string;
  signer?: RequestSigner;
  /** Per request: a catalog that never answers must not hang a service (default 30 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * A small typed client of the Iceberg REST catalog protocol (the OpenAPI spec in Apache Iceberg's
 * `open-api/rest-catalog-open-api.yaml`), the endpoints this project uses and nothing else: the
 * same client talks to Iceberg's own REST server locally and to Glue's Iceberg endpoint on
 * AWS (with a SigV4 signer).
 */
export class RestCatalog {
  private prefix: string | undefined;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: RestCatalogOptions) {
    this.fetchFn = options.fetch ?? fetch;
  }

  get uri(): string {
    return this.options.uri;
  }

  /** `GET /v1/config`: the server's path prefix for this warehouse (Glue: `catalogs/<id>`). */
  async init(): Promise<void> {
    if (this.prefix !== undefined) return;
    const query = this.options.warehouse ? `?warehouse=${encodeURIComponent(this.options.warehouse)}` : '';
    const config = await this.request<{ overrides?: Record<string, string>; defaults?: Record<string, string> }>('GET', `/v1/config${query}`, undefined, 'load catalog config');
    this.prefix = config.overrides?.prefix ?? config.defaults?.prefix ?? '';
  }

  async ensureNamespace(namespace: string): Promise<void> {
    try {
      await this.request('POST', `${await this.base()}/namespaces`, { namespace: [namespace], properties: {} }, `create namespace ${namespace}`);
    } catch (err) {
      if (err instanceof PipelineError && err.code === 'CATALOG_CONFLICT') return;
      throw err;
    }
  }

  async listTables(namespace: string): Promise<string[]> {
    const names: string[] = [];
    let pageToken: string | undefined;
    do {
      const query = pageToken ? `?pageToken=${encodeURIComponent(pageToken)}` : '';
      const page = await this.request<{ identifiers?: Array<{ name: string }>; 'next-page-token'?: string | null }>(
        'GET',
        `${await this.base()}/namespaces/${ns(namespace)}/tables${query}`,
        undefined,
        `list tables of ${namespace}`,
      );
      names.push(...(page.identifiers ?? []).map((i) => i.name));
      pageToken = page['next-page-token'] ?? undefined;
    } while (pageToken);
    return names;
  }

  /** The table's current metadata, or undefined when it does not exist. */
  async loadTable(namespace: string, table: string): Promise<LoadedTable | undefined> {
    try {
      const loaded = await this.request<{ 'metadata-location'?: string; metadata: TableMetadata }>(
        'GET',
        `${await this.base()}/namespaces/${ns(namespace)}/tables/${encodeURIComponent(table)}`,
        undefined,
        `load table ${namespace}.${table}`,
      );
      return { metadataLocation: loaded['metadata-location'], metadata: loaded.metadata };
    } catch (err) {
      if (err instanceof PipelineError && err.code === 'CATALOG_NOT_FOUND') return undefined;
      throw err;
    }
  }

  /** Creates the table, or loads it when another process created it first (409 AlreadyExists). */
  async createTable(namespace: string, request: CreateTableRequest): Promise<LoadedTable> {
    try {
      const created = await this.request<{ 'metadata-location'?: string; metadata: TableMetadata }>(
        'POST',
        `${await this.base()}/namespaces/${ns(namespace)}/tables`,
        { ...request, 'stage-create': false },
        `create table ${namespace}.${request.name}`,
      );
      return { metadataLocation: created['metadata-location'], metadata: created.metadata };
    } catch (err) {
      if (!(err instanceof PipelineError && err.code === 'CATALOG_CONFLICT')) throw err;
      const existing = await this.loadTable(namespace, request.name);
      if (!existing) throw err;
      return existing;
    }
  }

  /**
   * One atomic table commit: the catalog applies `updates` only if every requirement still holds.
   * Throws CATALOG_CONFLICT (409: reload and rebuild) or CATALOG_COMMIT_UNKNOWN (no answer or 5xx:
   * look whether it landed before retrying).
   */
  async commit(namespace: string, table: string, requirements: TableRequirement[], updates: TableUpdate[]): Promise<LoadedTable> {
    const committed = await this.request<{ 'metadata-location'?: string; metadata: TableMetadata }>(
      'POST',
      `${await this.base()}/namespaces/${ns(namespace)}/tables/${encodeURIComponent(table)}`,
      { requirements, updates },
      `commit to ${namespace}.${table}`,
      true,
    );
    return { metadataLocation: committed['metadata-location'], metadata: committed.metadata };
  }

  private async base(): Promise<string> {
    await this.init();
    return this.prefix ? `/v1/${this.prefix}` : '/v1';
  }

  private async request<T>(method: string, path: string, body: unknown, operation: string, commit = false): Promise<T> {
    const url = new URL(`${this.options.uri.replace(/\/$/, '')}${path}`);
    const text = body === undefined ? undefined : stringifyIcebergJson(body);
    let headers: Record<string, string> = { accept: 'application/json', ...(text === undefined ? {} : { 'content-type': 'application/json' }) };
    if (this.options.signer) headers = { ...headers, ...(await this.options.signer({ method, url, headers, body: text })) };
    let response: Response;
    let answer: string;
    try {
      response = await this.fetchFn(url, { method, headers, body: text, signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000) });
      answer = await response.text();
    } catch (err) {
      throw networkError(err, operation, commit);
    }
    if (!response.ok) {
      let parsed: RestErrorBody = {};
      try {
        parsed = JSON.parse(answer) as RestErrorBody;
      } catch {
        parsed = { error: { message: answer.slice(0, 500) } };
      }
      throw classifyRestError(response.status, parsed, operation, commit);
    }
    return (answer ? parseIcebergJson<T>(answer) : undefined) as T;
  }
}

/** Namespace path segment: levels joined by the unit separator (spec), one level here. */
const ns = (namespace: string): string => encodeURIComponent(namespace);
