import { toDuckDbType } from '../schemas/lake-columns.js';
import { problemLine } from './load-specs.js';
import type { ResolvedTableSpec } from './resolve-spec.js';

/**
 * What the check needs of DuckDB: the name and type of each column of a query, without running
 * it (`DESCRIBE SELECT ...`). The services that hold a DuckDB connection (etl-worker,
 * catalog-sync) pass one in, so this package does not load DuckDB's native module.
 */
export type DescribeQuery = (sql: string) => Promise<Array<{ column_name: string; column_type: string }>>;

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** `(SELECT CAST(NULL AS VARCHAR) AS "a", ...)`: an empty-valued row of these columns, for binding only. */
const typedRow = (columns: ReadonlyArray<{ name: string; duckDbType: string }>): string =>
  `(SELECT ${columns.map((c) => `CAST(NULL AS ${c.duckDbType}) AS ${quoteIdent(c.name)}`).join(', ')})`;

/**
 * Binds every derived column's expression against the record's columns (alias `e`, as lake
 * columns: typed, event time a timestamp) and the lookups (their aliases), and compares the type
 * DuckDB infers with the declared one. Returns one line per problem; a typo, an unknown column or
 * function, a second statement and a type that is not the declared one are all caught here, at
 * start, instead of failing every object the ETL writes.
 */
export async function derivedSqlProblems(spec: ResolvedTableSpec, specs: readonly ResolvedTableSpec[], describe: DescribeQuery): Promise<string[]> {
  if (spec.derivedColumns.length === 0) return [];
  const record = typedRow(spec.recordColumns.map((c) => ({ name: c.name, duckDbType: c.json ? 'VARCHAR' : toDuckDbType(c.type) })));
  const joins = spec.lookups.map((lookup) => {
    const target = specs.find((s) => s.table === lookup.table);
    const columns = (target?.columns ?? []).filter((c) => c.name === lookup.column || lookup.columns.includes(c.name));
    const row = columns.length > 0 ? typedRow(columns.map((c) => ({ name: c.name, duckDbType: toDuckDbType(c.type) }))) : '(SELECT NULL AS "_")';
    return ` LEFT JOIN ${row} ${quoteIdent(lookup.alias)} ON ${quoteIdent(lookup.alias)}.${quoteIdent(lookup.column)} = e.${quoteIdent(lookup.field)}`;
  });
  const lines: string[] = [];
  for (const [i, column] of spec.derivedColumns.entries()) {
    const field = `derived_columns[${spec.derivedColumns.indexOf(column)}].sql`;
    if (column.sql.includes(';')) {
      lines.push(problemLine(spec.source, { field, problem: 'holds a ";": a derived column is one expression', fix: 'write a single SQL expression, no statements' }));
      continue;
    }
    try {
      const described = await describe(`DESCRIBE SELECT (${column.sql}) AS ${quoteIdent(column.name)} FROM ${record} e${joins.join('')}`);
      const actual = described[0]?.column_type;
      const expected = toDuckDbType(column.type);
      if (actual !== expected) {
        lines.push(problemLine(spec.source, { field: `derived_columns[${i}]`, problem: `${column.name} is declared ${column.type} but its SQL yields ${actual}`, fix: `CAST(... AS ${expected}) in the SQL, or declare the type DuckDB infers` }));
      }
    } catch (err) {
      const message = (err as Error).message.replace(/\s+/g, ' ').slice(0, 300);
      lines.push(problemLine(spec.source, { field, problem: `does not parse or bind in DuckDB: ${message}`, fix: 'a DuckDB expression over the record (alias e) and the lookups; try it with duckdb -c "SELECT <expression> FROM ..."' }));
    }
  }
  return lines;
}

/**
 * Binds every saved query of the specs in DuckDB against empty views of every table of the
 * deployment (their lake columns, typed): a misspelt column or table fails at start, not when an
 * analyst runs the report. Views are created in the describing connection, so it must be a
 * throwaway one (catalog-sync's withDuckDbDescribe), never a worker's. `builtInQueryNames`: the
 * names the code's saved queries already take.
 */
export async function savedQueryProblems(specs: readonly ResolvedTableSpec[], describe: DescribeQuery, builtInQueryNames: readonly string[] = []): Promise<string[]> {
  const lines: string[] = [];
  const views = specs
    .map((s) => `CREATE OR REPLACE TEMP VIEW ${quoteIdent(s.table)} AS SELECT * FROM ${typedRow(s.columns.map((c) => ({ name: c.name, duckDbType: toDuckDbType(c.type) })))} WHERE false`)
    .join('; ');
  for (const spec of specs) {
    for (const [i, query] of spec.queries.entries()) {
      const field = `queries[${i}]`;
      if (builtInQueryNames.includes(query.name)) {
        lines.push(problemLine(spec.source, { field: `${field}.name`, problem: `${query.name} is the name of a built-in saved query`, fix: 'choose another name (catalog-sync report --list shows them)' }));
        continue;
      }
      try {
        await describe(`${views}; DESCRIBE ${query.sql.trim().replace(/;\s*$/, '')}`);
      } catch (err) {
        const message = (err as Error).message.replace(/\s+/g, ' ').slice(0, 300);
        lines.push(problemLine(spec.source, { field: `${field}.sql`, problem: `does not bind in DuckDB: ${message}`, fix: 'one SELECT over the tables of the deployment (spec check lists their columns)' }));
      }
    }
  }
  return lines;
}
