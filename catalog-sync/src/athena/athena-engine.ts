import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
  type ColumnInfo,
  type QueryExecution,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { sleep, type RetryOptions } from '@spotify-pipeline/shared/retry';
import { callAws } from './aws-error.js';
import { hourCountSql, type Cell, type QueryEngine, type QueryResult } from '../queries/query-engine.js';
import { typedCell } from './athena-types.js';

export interface AthenaEngineOptions {
  workgroup: string;
  database: string;
  /** s3:// prefix for result files; optional when the workgroup enforces its own. */
  outputLocation?: string;
  pollMaxDelayMs: number;
  queryTimeoutMs: number;
  retry?: Partial<RetryOptions>;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const FINAL_STATES = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** Athena as the query engine: start, poll with backoff to a final state, page the results into typed rows. */
export class AthenaEngine implements QueryEngine {
  readonly name = 'athena';
  private readonly pause: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly athena: AthenaClient,
    private readonly options: AthenaEngineOptions,
  ) {
    this.pause = options.sleep ?? ((ms) => sleep(ms));
    this.now = options.now ?? Date.now;
  }

  private call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return callAws(operation, fn, this.options.retry);
  }

  async query(sql: string): Promise<QueryResult> {
    const started = await this.call('StartQueryExecution', () =>
      this.athena.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          WorkGroup: this.options.workgroup,
          QueryExecutionContext: { Database: this.options.database },
          ...(this.options.outputLocation ? { ResultConfiguration: { OutputLocation: this.options.outputLocation } } : {}),
        }),
      ),
    );
    const id = started.QueryExecutionId!;
    await this.waitForSuccess(id);
    return this.readResults(id);
  }

  async countHourRows(table: string, dt: string, hour: string): Promise<number> {
    const result = await this.query(hourCountSql(table, dt, hour));
    return Number(result.rows[0]?.n ?? 0);
  }

  async close(): Promise<void> {
    this.athena.destroy();
  }

  private async waitForSuccess(id: string): Promise<QueryExecution> {
    const deadline = this.now() + this.options.queryTimeoutMs;
    let delay = 100;
    for (;;) {
      const got = await this.call('GetQueryExecution', () => this.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id })));
      const execution = got.QueryExecution ?? {};
      const state = execution.Status?.State ?? 'UNKNOWN';
      if (state === 'SUCCEEDED') return execution;
      if (FINAL_STATES.has(state)) {
        const reason = execution.Status?.StateChangeReason ?? execution.Status?.AthenaError?.ErrorMessage ?? 'no reason given';
        throw new PipelineError('QUERY_FAILED', `Athena query ${id} ${state}: ${reason}`, {
          retriable: execution.Status?.AthenaError?.Retryable === true,
          details: { queryExecutionId: id, state, reason, errorCategory: execution.Status?.AthenaError?.ErrorCategory },
        });
      }
      if (this.now() > deadline) {
        // Giving up must also stop it: a forgotten query keeps scanning (and billing) for up to 30 minutes.
        await this.call('StopQueryExecution', () => this.athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id }))).catch(() => undefined);
        throw new PipelineError('TIMEOUT', `Athena query ${id} still ${state} after ${this.options.queryTimeoutMs} ms; stopped`, { details: { queryExecutionId: id } });
      }
      await this.pause(delay);
      delay = Math.min(delay * 2, this.options.pollMaxDelayMs);
    }
  }

  private async readResults(id: string): Promise<QueryResult> {
    let columns: ColumnInfo[] | undefined;
    const rows: Array<Record<string, Cell>> = [];
    let token: string | undefined;
    let first = true;
    do {
      const page = await this.call('GetQueryResults', () => this.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: 1000 })));
      columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      const data = page.ResultSet?.Rows ?? [];
      // The first row of the first page of a SELECT is the header.
      for (const row of first ? data.slice(1) : data) {
        const record: Record<string, Cell> = {};
        columns.forEach((c, i) => (record[c.Name!] = typedCell(row.Data?.[i]?.VarCharValue, c.Type ?? 'varchar')));
        rows.push(record);
      }
      first = false;
      token = page.NextToken;
    } while (token);
    return { columns: (columns ?? []).map((c) => ({ name: c.Name!, type: c.Type ?? 'varchar' })), rows };
  }
}
