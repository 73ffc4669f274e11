import {
  AlreadyExistsException,
  BatchCreatePartitionCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  EntityNotFoundException,
  GetDatabaseCommand,
  GetPartitionCommand,
  GetTableCommand,
  GlueClient,
  InvalidInputException,
  ThrottlingException,
  UpdatePartitionCommand,
  UpdateTableCommand,
  type PartitionInput,
} from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { GlueCatalog } from '../../../src/glue/glue-catalog';
import { tableSpec } from '../../../src/catalog/tables';
import type { PartitionFiles } from '../../../src/catalog/catalog';

const logger = createLogger({ service: 'test', level: 'silent' });
const noWait = { sleep: async () => undefined, random: () => 0 };
const meta = { $metadata: {} };
const spec = tableSpec('lake', 'listening_events');
const commandNames = (mock: ReturnType<typeof mockClient>): string[] => mock.calls().map((c) => c.args[0].constructor.name);

const partition = (i: number): PartitionFiles => {
  const dt = `2024-01-${String(1 + Math.floor(i / 24)).padStart(2, '0')}`;
  const hour = String(i % 24).padStart(2, '0');
  return { dt, hour, location: `s3://lake/listening_events/dt=${dt}/hour=${hour}/`, files: [] };
};

// One mock per client class and file: a second mockClient(GlueClient) would not see the calls.
const glue = mockClient(GlueClient);
afterAll(() => glue.restore());

describe('GlueCatalog', () => {
  let catalog: GlueCatalog;

  beforeEach(() => {
    glue.reset();
    catalog = new GlueCatalog(new GlueClient({ region: 'eu-west-1' }), { database: 'lake_db', logger, retry: noWait });
  });

  it('creates the database and a Parquet table with the contract columns and dt/hour keys when both are missing', async () => {
    glue.on(GetDatabaseCommand).rejects(new EntityNotFoundException({ message: 'no db', ...meta }));
    glue.on(GetTableCommand).rejects(new EntityNotFoundException({ message: 'no table', ...meta }));
    glue.on(CreateDatabaseCommand).resolves({});
    glue.on(CreateTableCommand).resolves({});

    await catalog.ensureTable(spec);

    expect(commandNames(glue)).toEqual(['GetDatabaseCommand', 'CreateDatabaseCommand', 'GetTableCommand', 'CreateTableCommand']);
    const input = glue.commandCalls(CreateTableCommand)[0]!.args[0].input.TableInput!;
    expect(input.StorageDescriptor?.SerdeInfo?.SerializationLibrary).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
    expect(input.StorageDescriptor?.Location).toBe('s3://lake/listening_events/');
    expect(input.PartitionKeys).toEqual([
      { Name: 'dt', Type: 'string' },
      { Name: 'hour', Type: 'string' },
    ]);
    const columns = input.StorageDescriptor?.Columns ?? [];
    expect(columns.find((c) => c.Name === 'ts')?.Type).toBe('timestamp');
    expect(columns.find((c) => c.Name === 'ms_played')?.Type).toBe('bigint');
    expect(columns).toHaveLength(spec.columns.length);
  });

  it('treats AlreadyExistsException from CreateDatabase and CreateTable as success (another replica won the race)', async () => {
    glue.on(GetDatabaseCommand).rejects(new EntityNotFoundException({ message: 'no db', ...meta }));
    glue.on(CreateDatabaseCommand).rejects(new AlreadyExistsException({ message: 'exists', ...meta }));
    glue.on(GetTableCommand).rejects(new EntityNotFoundException({ message: 'no table', ...meta }));
    glue.on(CreateTableCommand).rejects(new AlreadyExistsException({ message: 'exists', ...meta }));

    await expect(catalog.ensureTable(spec)).resolves.toBeUndefined();
    expect(glue.commandCalls(CreateTableCommand)).toHaveLength(1);
  });

  it('adds only the missing columns with one UpdateTable, and writes nothing when the schema is current', async () => {
    const existing = { Name: 'listening_events', StorageDescriptor: { Columns: [{ Name: 'event_id', Type: 'string' }], Location: 's3://lake/listening_events/' }, PartitionKeys: [{ Name: 'dt', Type: 'string' }], CreateTime: new Date(), DatabaseName: 'lake_db' };
    glue.on(GetTableCommand).resolves({ Table: existing });
    glue.on(UpdateTableCommand).resolves({});

    await catalog.addColumns('listening_events', [
      { name: 'event_id', type: 'string', nullable: false },
      { name: 'mood', type: 'string', nullable: true },
    ]);
    const update = glue.commandCalls(UpdateTableCommand)[0]!.args[0].input.TableInput!;
    expect(update.StorageDescriptor?.Columns).toEqual([
      { Name: 'event_id', Type: 'string' },
      { Name: 'mood', Type: 'string' },
    ]);
    // Read-only fields of GetTable must not be sent back.
    expect(update).not.toHaveProperty('CreateTime');
    expect(update).not.toHaveProperty('DatabaseName');

    glue.resetHistory();
    await catalog.addColumns('listening_events', [{ name: 'event_id', type: 'string', nullable: false }]);
    expect(glue.commandCalls(UpdateTableCommand)).toHaveLength(0);
  });

  it('registers 250 partitions in calls of at most 100, AlreadyExists entries counting as created', async () => {
    glue.on(GetTableCommand).resolves({ Table: { Name: 'listening_events', StorageDescriptor: { Columns: [{ Name: 'event_id', Type: 'string' }] } } });
    glue.on(BatchCreatePartitionCommand).callsFake((input: { PartitionInputList: PartitionInput[] }) => ({
      Errors: input.PartitionInputList.slice(0, 3).map((p) => ({ PartitionValues: p.Values, ErrorDetail: { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'exists' } })),
    }));

    await catalog.registerPartitions('listening_events', Array.from({ length: 250 }, (_, i) => partition(i)));

    const sizes = glue.commandCalls(BatchCreatePartitionCommand).map((c) => c.args[0].input.PartitionInputList!.length);
    expect(sizes).toEqual([100, 100, 50]);
    const first = glue.commandCalls(BatchCreatePartitionCommand)[0]!.args[0].input.PartitionInputList![0]!;
    expect(first.Values).toEqual(['2024-01-01', '00']);
    expect(first.StorageDescriptor?.Location).toBe('s3://lake/listening_events/dt=2024-01-01/hour=00/');
  });

  it('retries only the entries that failed with a transient per-entry error', async () => {
    glue.on(GetTableCommand).resolves({ Table: { Name: 'listening_events', StorageDescriptor: { Columns: [] } } });
    glue
      .on(BatchCreatePartitionCommand)
      .resolvesOnce({ Errors: [{ PartitionValues: ['2024-01-01', '01'], ErrorDetail: { ErrorCode: 'InternalServiceException', ErrorMessage: 'try again' } }] })
      .resolvesOnce({});

    await catalog.registerPartitions('listening_events', [partition(0), partition(1), partition(2)]);

    const calls = glue.commandCalls(BatchCreatePartitionCommand).map((c) => c.args[0].input.PartitionInputList!.map((p) => p.Values!.join('/')));
    expect(calls).toEqual([['2024-01-01/00', '2024-01-01/01', '2024-01-01/02'], ['2024-01-01/01']]);
  });

  it('fails the batch, not retrying, when an entry fails for a non-transient reason', async () => {
    glue.on(GetTableCommand).resolves({ Table: { Name: 'listening_events', StorageDescriptor: { Columns: [] } } });
    glue.on(BatchCreatePartitionCommand).resolves({ Errors: [{ PartitionValues: ['2024-01-01', '00'], ErrorDetail: { ErrorCode: 'InvalidInputException', ErrorMessage: 'bad' } }] });

    await expect(catalog.registerPartitions('listening_events', [partition(0)])).rejects.toMatchObject({ code: 'CATALOG_UNAVAILABLE', retriable: false });
    expect(glue.commandCalls(BatchCreatePartitionCommand)).toHaveLength(1);
  });

  it('retries throttled calls with backoff and gives up after the attempt cap with CATALOG_THROTTLED', async () => {
    glue
      .on(GetTableCommand)
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', ...meta }))
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', ...meta }))
      .resolves({ Table: { Name: 'listening_events', StorageDescriptor: { Columns: [{ Name: 'event_id', Type: 'string' }] }, PartitionKeys: [] } });
    await catalog.addColumns('listening_events', [{ name: 'event_id', type: 'string', nullable: false }]);
    expect(glue.commandCalls(GetTableCommand)).toHaveLength(3);

    const capped = new GlueCatalog(new GlueClient({ region: 'eu-west-1' }), { database: 'lake_db', logger, retry: { ...noWait, maxAttempts: 4 } });
    glue.reset();
    glue.on(GetTableCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', ...meta }));
    await expect(capped.addColumns('listening_events', [])).rejects.toMatchObject({ code: 'CATALOG_THROTTLED', retriable: true });
    expect(glue.commandCalls(GetTableCommand)).toHaveLength(4);
  });

  it('does not retry a non-transient error', async () => {
    glue.on(GetTableCommand).rejects(new InvalidInputException({ message: 'bad name', ...meta }));
    await expect(catalog.addColumns('listening_events', [])).rejects.toMatchObject({ code: 'CATALOG_UNAVAILABLE', retriable: false });
    expect(glue.commandCalls(GetTableCommand)).toHaveLength(1);
  });

  it('switches a compacted partition to its new location in one UpdatePartition, keeping its parameters', async () => {
    const current = {
      Values: ['2024-01-01', '05'],
      Parameters: { 'pipeline.closed': 'true' },
      StorageDescriptor: { Location: 's3://lake/listening_events/dt=2024-01-01/hour=05/', Columns: [{ Name: 'event_id', Type: 'string' }] },
    };
    glue.on(GetPartitionCommand).resolves({ Partition: current });
    glue.on(UpdatePartitionCommand).resolves({});

    await catalog.switchPartitionFiles('listening_events', {
      dt: '2024-01-01',
      hour: '05',
      location: 's3://lake/listening_events/dt=2024-01-01/hour=05/compacted-1/',
      remove: ['a', 'b'],
      add: [{ key: 'c', sizeBytes: 1, rowCount: 2, sha256: 'x' }],
    });

    expect(commandNames(glue)).toEqual(['GetPartitionCommand', 'UpdatePartitionCommand']);
    const input = glue.commandCalls(UpdatePartitionCommand)[0]!.args[0].input;
    expect(input.PartitionValueList).toEqual(['2024-01-01', '05']);
    expect(input.PartitionInput?.StorageDescriptor?.Location).toBe('s3://lake/listening_events/dt=2024-01-01/hour=05/compacted-1/');
    expect(input.PartitionInput?.Parameters).toEqual({ 'pipeline.closed': 'true' });
  });

  it('marks a partition closed as partition parameters, once', async () => {
    glue.on(GetPartitionCommand).resolvesOnce({ Partition: { Values: ['2024-01-01', '05'], Parameters: {} } }).resolves({ Partition: { Values: ['2024-01-01', '05'], Parameters: { 'pipeline.closed': 'true' } } });
    glue.on(UpdatePartitionCommand).resolves({});

    await catalog.setPartitionClosed('listening_events', { dt: '2024-01-01', hour: '05' }, { closedAtMs: 1000, watermarkMs: 900 });
    await catalog.setPartitionClosed('listening_events', { dt: '2024-01-01', hour: '05' }, { closedAtMs: 2000, watermarkMs: 950 });

    expect(glue.commandCalls(UpdatePartitionCommand)).toHaveLength(1);
    expect(glue.commandCalls(UpdatePartitionCommand)[0]!.args[0].input.PartitionInput?.Parameters).toEqual({
      'pipeline.closed': 'true',
      'pipeline.closed_at_ms': '1000',
      'pipeline.watermark_ms': '900',
    });
  });
});

describe('ProjectionCatalog', () => {
  beforeEach(() => glue.reset());

  it('creates the partitioned table with partition projection properties for dt and hour, and the tracks table without', async () => {
    const { ProjectionCatalog } = await import('../../../src/projection/projection-catalog');
    glue.on(GetDatabaseCommand).resolves({ Database: { Name: 'lake_db' } });
    glue.on(GetTableCommand).rejects(new EntityNotFoundException({ message: 'no table', ...meta }));
    glue.on(CreateTableCommand).resolves({});
    const catalog = new ProjectionCatalog(new GlueClient({ region: 'eu-west-1' }), { database: 'lake_db', logger, retry: noWait }, { firstDay: '2024-01-01' });

    await catalog.ensureTable(spec);
    await catalog.ensureTable(tableSpec('lake', 'tracks'));

    const [events, tracks] = glue.commandCalls(CreateTableCommand).map((c) => c.args[0].input.TableInput!.Parameters!);
    expect(events).toMatchObject({
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.range': '2024-01-01,NOW',
      'projection.hour.type': 'integer',
      'projection.hour.digits': '2',
      'storage.location.template': 's3://lake/listening_events/dt=${dt}/hour=${hour}/',
    });
    expect(tracks).not.toHaveProperty('projection.enabled');
    expect(catalog.mode).toBe('projection');
  });
});
