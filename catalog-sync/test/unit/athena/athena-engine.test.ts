import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { AthenaEngine } from '../../../src/athena/athena-engine';

const meta = { $metadata: {} };
const columnInfo = [
  { Name: 'track_name', Type: 'varchar', Label: 'track_name' },
  { Name: 'plays', Type: 'bigint', Label: 'plays' },
  { Name: 'skip_rate', Type: 'double', Label: 'skip_rate' },
  { Name: 'explicit', Type: 'boolean', Label: 'explicit' },
];
const row = (...values: Array<string | undefined>) => ({ Data: values.map((v) => (v === undefined ? {} : { VarCharValue: v })) });

describe('AthenaEngine', () => {
  const athena = mockClient(AthenaClient);
  const sleeps: number[] = [];
  const engine = () =>
    new AthenaEngine(new AthenaClient({ region: 'eu-west-1' }), {
      workgroup: 'analysts',
      database: 'lake_db',
      outputLocation: 's3://results/catalog-sync/',
      pollMaxDelayMs: 400,
      queryTimeoutMs: 60_000,
      retry: { sleep: async () => undefined, random: () => 0 },
      sleep: async (ms) => void sleeps.push(ms),
    });

  beforeEach(() => {
    athena.reset();
    sleeps.length = 0;
  });

  it('starts in the workgroup with the output location, polls with backoff to SUCCEEDED, and pages results into typed rows', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: undefined })
      .resolves({
        ResultSet: { ResultSetMetadata: { ColumnInfo: columnInfo }, Rows: [row('track_name', 'plays', 'skip_rate', 'explicit'), row('Song A', '12', '0.25', 'true')] },
        NextToken: 'page-2',
      })
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: 'page-2' })
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: columnInfo }, Rows: [row('Song B', '7', undefined, 'false')] }, NextToken: 'page-3' })
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: 'page-3' })
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: columnInfo }, Rows: [row('Song C', '9007199254740993', '0.5', 'false')] } });

    const result = await engine().query('SELECT 1');

    const start = athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input;
    expect(start.WorkGroup).toBe('analysts');
    expect(start.QueryExecutionContext).toEqual({ Database: 'lake_db' });
    expect(start.ResultConfiguration).toEqual({ OutputLocation: 's3://results/catalog-sync/' });
    expect(sleeps).toEqual([100, 200, 400, 400]);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(3);
    expect(result.columns.map((c) => c.name)).toEqual(['track_name', 'plays', 'skip_rate', 'explicit']);
    expect(result.rows).toEqual([
      { track_name: 'Song A', plays: 12, skip_rate: 0.25, explicit: true },
      { track_name: 'Song B', plays: 7, skip_rate: null, explicit: false },
      // Beyond 2^53 a bigint stays text rather than lose digits.
      { track_name: 'Song C', plays: '9007199254740993', skip_rate: 0.5, explicit: false },
    ]);
  });

  it.each(['FAILED', 'CANCELLED'])('surfaces a %s query as QUERY_FAILED with its reason, without reading results', async (state) => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-2' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: state as 'FAILED', StateChangeReason: "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved" } },
    });

    await expect(engine().query('SELECT nope FROM listening_events')).rejects.toMatchObject({
      code: 'QUERY_FAILED',
      message: expect.stringContaining("Column 'nope' cannot be resolved"),
      details: expect.objectContaining({ queryExecutionId: 'q-2', state }),
    });
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('stops a query it gives up on, so it does not keep scanning after the timeout', async () => {
    let now = 0;
    const timed = new AthenaEngine(new AthenaClient({ region: 'eu-west-1' }), {
      workgroup: 'analysts',
      database: 'lake_db',
      outputLocation: 's3://results/catalog-sync/',
      pollMaxDelayMs: 400,
      queryTimeoutMs: 1_000,
      retry: { sleep: async () => undefined, random: () => 0 },
      sleep: async (ms) => void (now += ms),
      now: () => now,
    });
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-9' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athena.on(StopQueryExecutionCommand).resolves({});

    await expect(timed.query('SELECT 1')).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('stopped') });
    expect(athena.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input.QueryExecutionId)).toEqual(['q-9']);
  });

  it('retries a throttled StartQueryExecution', async () => {
    athena
      .on(StartQueryExecutionCommand)
      .rejectsOnce(new TooManyRequestsException({ message: 'slow down', ...meta }))
      .resolves({ QueryExecutionId: 'q-3' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [{ Name: 'n', Type: 'bigint' }] }, Rows: [row('n'), row('42')] } });

    await expect(engine().countHourRows('listening_events', '2024-01-01', '05')).resolves.toBe(42);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(2);
    expect(athena.commandCalls(StartQueryExecutionCommand)[1]!.args[0].input.QueryString).toBe(
      `SELECT COUNT(*) AS n FROM listening_events WHERE ts >= TIMESTAMP '2024-01-01 05:00:00' AND ts < TIMESTAMP '2024-01-01 06:00:00'`,
    );
  });
});
