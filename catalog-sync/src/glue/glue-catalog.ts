import {
  CreateDatabaseCommand,
  CreateTableCommand,
  GetDatabaseCommand,
  GetPartitionCommand,
  GetTableCommand,
  GetTablesCommand,
  UpdatePartitionCommand,
  UpdateTableCommand,
  paginateGetPartitions,
  type GlueClient,
  type Partition,
  type PartitionInput,
  type Table,
} from '@aws-sdk/client-glue';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import type { Logger } from '@spotify-pipeline/shared/logging';
import type { RetryOptions } from '@spotify-pipeline/shared/retry';
import type { LakeColumn } from '@spotify-pipeline/shared/schemas';
import type {
  Catalog,
  CatalogPartition,
  CatalogTable,
  CompletenessMark,
  PartitionFiles,
  PartitionKey,
  PartitionSwap,
  TableSpec,
} from '../catalog/catalog.js';
import { createPartitions } from './batch-create-partitions.js';
import { callAws, errorName } from './glue-error.js';
import { glueColumn, parquetStorage, tableInput, tableInputFrom } from './table-input.js';
import { catalogTableOf } from './glue-read.js';

export interface GlueCatalogOptions {
  database: string;
  /** Extra table parameters, e.g. partition projection. */
  tableParameters?: (spec: TableSpec) => Record<string, string>;
  retry?: Partial<RetryOptions>;
  logger: Logger;
}

export const CLOSED_PARAMETER = 'pipeline.closed';

/**
 * The Glue Data Catalog as the lake's catalog: database and tables created if missing, partitions
 * registered in batches, compaction swaps as one UpdatePartition (Athena reads the partition's new
 * location from the next query on), completeness as partition parameters.
 */
export class GlueCatalog implements Catalog {
  readonly mode: string = 'glue';
  private readonly retryOptions: Partial<RetryOptions>;

  constructor(
    protected readonly glue: GlueClient,
    protected readonly options: GlueCatalogOptions,
  ) {
    this.retryOptions = {
      ...options.retry,
      onRetry: (err, attempt, delayMs) => options.logger.warn({ err, attempt, delayMs }, 'GlueCallRetried'),
    };
  }

  protected call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return callAws(operation, fn, this.retryOptions);
  }

  /** Runs `fn`, mapping the named AWS exceptions to a value instead of an error. */
  protected async tolerate<T, U>(operation: string, fn: () => Promise<T>, tolerated: Record<string, U>): Promise<T | U> {
    try {
      return await this.call(operation, fn);
    } catch (err) {
      const name = err instanceof PipelineError ? String(err.details.name) : errorName(err);
      if (name in tolerated) return tolerated[name]!;
      throw err;
    }
  }

  async ensureTable(spec: TableSpec): Promise<void> {
    const { database } = this.options;
    const db = await this.tolerate('GetDatabase', () => this.glue.send(new GetDatabaseCommand({ Name: database })), { EntityNotFoundException: undefined });
    if (!db) {
      await this.tolerate('CreateDatabase', () => this.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: database, Description: 'Spotify listening data lake (catalog-sync)' } })), {
        AlreadyExistsException: undefined,
      });
    }
    const existing = await this.getTable(spec.name);
    if (!existing) {
      const input = tableInput(spec, this.options.tableParameters?.(spec));
      await this.tolerate('CreateTable', () => this.glue.send(new CreateTableCommand({ DatabaseName: database, TableInput: input })), { AlreadyExistsException: undefined });
      this.options.logger.info({ database, table: spec.name }, 'GlueTableCreated');
      return;
    }
    await this.addColumns(spec.name, spec.columns, existing);
  }

  async addColumns(table: string, columns: LakeColumn[], known?: Table): Promise<void> {
    const existing = known ?? (await this.requireTable(table));
    const present = new Set([...(existing.StorageDescriptor?.Columns ?? []), ...(existing.PartitionKeys ?? [])].map((c) => c.Name));
    const fresh = columns.filter((c) => !present.has(c.name));
    if (fresh.length === 0) return;
    const input = tableInputFrom(existing);
    input.StorageDescriptor = { ...input.StorageDescriptor, Columns: [...(input.StorageDescriptor?.Columns ?? []), ...fresh.map(glueColumn)] };
    await this.call('UpdateTable', () => this.glue.send(new UpdateTableCommand({ DatabaseName: this.options.database, TableInput: input })));
    this.options.logger.info({ table, columns: fresh.map((c) => c.name) }, 'GlueColumnsAdded');
  }

  async registerPartitions(table: string, partitions: PartitionFiles[]): Promise<void> {
    const withKeys = partitions.filter((p) => p.dt);
    if (withKeys.length === 0) return;
    const columns = (await this.requireTable(table)).StorageDescriptor?.Columns ?? [];
    const inputs: PartitionInput[] = withKeys.map((p) => ({ Values: [p.dt, p.hour], StorageDescriptor: parquetStorage(p.location, columns) }));
    await createPartitions(this.glue, { database: this.options.database, table, inputs, retry: this.retryOptions });
  }

  async switchPartitionFiles(table: string, swap: PartitionSwap): Promise<void> {
    if (!swap.dt) {
      // Unpartitioned (the tracks snapshot): the table itself moves to the new folder.
      const existing = await this.requireTable(table);
      if (existing.StorageDescriptor?.Location === swap.location) return;
      const input = tableInputFrom(existing);
      input.StorageDescriptor = { ...input.StorageDescriptor, Location: swap.location };
      await this.call('UpdateTable', () => this.glue.send(new UpdateTableCommand({ DatabaseName: this.options.database, TableInput: input })));
      return;
    }
    const current = await this.requirePartition(table, swap);
    if (current.StorageDescriptor?.Location === swap.location) {
      this.options.logger.error({ table, dt: swap.dt, hour: swap.hour, location: swap.location }, 'CompactionNotAtomic');
      return;
    }
    await this.updatePartition(table, current, { StorageDescriptor: { ...current.StorageDescriptor, Location: swap.location } });
  }

  async setPartitionClosed(table: string, partition: PartitionKey, mark: CompletenessMark): Promise<void> {
    if (!partition.dt) return;
    const current = await this.requirePartition(table, partition);
    if (current.Parameters?.[CLOSED_PARAMETER] === 'true') return;
    await this.updatePartition(table, current, {
      Parameters: {
        ...current.Parameters,
        [CLOSED_PARAMETER]: 'true',
        'pipeline.closed_at_ms': String(mark.closedAtMs),
        'pipeline.watermark_ms': String(mark.watermarkMs),
      },
    });
  }

  async listPartitions(table: string): Promise<CatalogPartition[]> {
    const partitions: CatalogPartition[] = [];
    const pages = paginateGetPartitions({ client: this.glue }, { DatabaseName: this.options.database, TableName: table });
    for await (const page of pages) {
      for (const p of page.Partitions ?? []) {
        partitions.push({
          dt: p.Values?.[0] ?? '',
          hour: p.Values?.[1] ?? '',
          location: p.StorageDescriptor?.Location ?? '',
          closed: p.Parameters?.[CLOSED_PARAMETER] === 'true',
          closedAtMs: p.Parameters?.['pipeline.closed_at_ms'] ? Number(p.Parameters['pipeline.closed_at_ms']) : undefined,
          updatedAtMs: (p.LastAnalyzedTime ?? p.CreationTime)?.getTime(),
        });
      }
    }
    return partitions;
  }

  async listTables(): Promise<CatalogTable[]> {
    const tables: CatalogTable[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('GetTables', () => this.glue.send(new GetTablesCommand({ DatabaseName: this.options.database, NextToken: token })));
      tables.push(...(page.TableList ?? []).map(catalogTableOf));
      token = page.NextToken;
    } while (token);
    return tables;
  }

  async close(): Promise<void> {
    this.glue.destroy();
  }

  protected async getTable(name: string): Promise<Table | undefined> {
    const got = await this.tolerate('GetTable', () => this.glue.send(new GetTableCommand({ DatabaseName: this.options.database, Name: name })), {
      EntityNotFoundException: undefined,
    });
    return got?.Table;
  }

  private async requireTable(name: string): Promise<Table> {
    const table = await this.getTable(name);
    if (!table) throw new PipelineError('CATALOG_UNAVAILABLE', `Glue table ${this.options.database}.${name} does not exist`, { retriable: false });
    return table;
  }

  private async requirePartition(table: string, key: PartitionKey): Promise<Partition> {
    const got = await this.call('GetPartition', () =>
      this.glue.send(new GetPartitionCommand({ DatabaseName: this.options.database, TableName: table, PartitionValues: [key.dt, key.hour] })),
    );
    if (!got.Partition) throw new PipelineError('CATALOG_UNAVAILABLE', `partition ${key.dt}/${key.hour} of ${table} not found`, { retriable: true });
    return got.Partition;
  }

  private async updatePartition(table: string, current: Partition, change: Partial<PartitionInput>): Promise<void> {
    const input: PartitionInput = {
      Values: current.Values,
      StorageDescriptor: current.StorageDescriptor,
      Parameters: current.Parameters,
      LastAccessTime: current.LastAccessTime,
      ...change,
    };
    await this.call('UpdatePartition', () =>
      this.glue.send(new UpdatePartitionCommand({ DatabaseName: this.options.database, TableName: table, PartitionValueList: current.Values, PartitionInput: input })),
    );
  }
}
