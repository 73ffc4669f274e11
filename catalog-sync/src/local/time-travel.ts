import { PipelineError } from '@spotify-pipeline/shared/errors';

/** One `<table> FOR TIMESTAMP|VERSION AS OF <x>` clause found in a query. */
export interface TimeTravelClause {
  /** The clause's text, replaced by a view of that snapshot. */
  text: string;
  table: string;
  asOf: { timestampMs: number } | { snapshotId: bigint };
}

const CLAUSE = /\b([A-Za-z_][A-Za-z0-9_]*)\s+FOR\s+(TIMESTAMP|VERSION|SYSTEM_TIME|SYSTEM_VERSION)\s+AS\s+OF\s+(TIMESTAMP\s*'[^']*'|'[^']*'|\d+)/gi;

/**
 * Finds Trino/Athena time-travel clauses, so the local engine answers the same SQL Athena does:
 * `FROM listening_events FOR TIMESTAMP AS OF TIMESTAMP '2026-12-01 10:00:00 UTC'` or
 * `FOR VERSION AS OF 8277218263112239117`. Only literal points in time (no expressions such as
 * `current_timestamp - interval '1' day`: compute the literal first).
 */
export function timeTravelClauses(sql: string): TimeTravelClause[] {
  const clauses: TimeTravelClause[] = [];
  for (const match of sql.matchAll(CLAUSE)) {
    const [text, table, kind, value] = match as unknown as [string, string, string, string];
    if (/^(TIMESTAMP|SYSTEM_TIME)$/i.test(kind)) {
      const literal = value.replace(/^TIMESTAMP\s*/i, '').slice(1, -1).trim();
      const iso = literal.replace(' ', 'T').replace(/\s*UTC$/i, 'Z');
      const timestampMs = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
      if (Number.isNaN(timestampMs)) throw new PipelineError('QUERY_FAILED', `time travel: cannot read the point in time ${literal} (write e.g. TIMESTAMP '2026-12-01 10:00:00 UTC')`);
      clauses.push({ text, table: table.toLowerCase(), asOf: { timestampMs } });
    } else {
      if (!/^\d+$/.test(value)) throw new PipelineError('QUERY_FAILED', `time travel: VERSION AS OF takes a snapshot id, got ${value}`);
      clauses.push({ text, table: table.toLowerCase(), asOf: { snapshotId: BigInt(value) } });
    }
  }
  return clauses;
}
