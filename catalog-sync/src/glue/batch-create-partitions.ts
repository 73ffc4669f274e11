import { BatchCreatePartitionCommand, type GlueClient, type PartitionInput } from '@aws-sdk/client-glue';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { retry, type RetryOptions } from '@spotify-pipeline/shared/retry';
import { classifyAwsError, isTransientAwsCode } from './glue-error.js';

/** BatchCreatePartition takes at most 100 partitions per call. */
export const MAX_PARTITIONS_PER_CALL = 100;

export interface CreatePartitionsRequest {
  database: string;
  table: string;
  inputs: PartitionInput[];
  retry: Partial<RetryOptions>;
}

/**
 * Creates partitions in calls of at most 100. A partition that already exists is success (a replay,
 * or another replica got there first). Entries failing with a transient code are sent again, alone,
 * with backoff; an entry failing for any other reason fails the batch, so its offsets are not committed.
 */
export async function createPartitions(glue: GlueClient, request: CreatePartitionsRequest): Promise<void> {
  for (let start = 0; start < request.inputs.length; start += MAX_PARTITIONS_PER_CALL) {
    let remaining = request.inputs.slice(start, start + MAX_PARTITIONS_PER_CALL);
    await retry(async () => {
      let response;
      try {
        response = await glue.send(new BatchCreatePartitionCommand({ DatabaseName: request.database, TableName: request.table, PartitionInputList: remaining }));
      } catch (err) {
        throw classifyAwsError(err, `BatchCreatePartition ${request.table}`);
      }
      const failed = (response.Errors ?? []).filter((e) => e.ErrorDetail?.ErrorCode !== 'AlreadyExistsException');
      if (failed.length === 0) return;
      const fatal = failed.find((e) => !isTransientAwsCode(e.ErrorDetail?.ErrorCode ?? ''));
      const values = (e: (typeof failed)[number]): string => (e.PartitionValues ?? []).join('/');
      if (fatal) {
        throw new PipelineError('CATALOG_UNAVAILABLE', `BatchCreatePartition ${request.table}: ${values(fatal)} failed with ${fatal.ErrorDetail?.ErrorCode}: ${fatal.ErrorDetail?.ErrorMessage}`, {
          retriable: false,
          details: { partition: values(fatal), name: fatal.ErrorDetail?.ErrorCode },
        });
      }
      const retryKeys = new Set(failed.map(values));
      remaining = remaining.filter((p) => retryKeys.has((p.Values ?? []).join('/')));
      throw new PipelineError('CATALOG_THROTTLED', `BatchCreatePartition ${request.table}: ${failed.length} entries to retry`, {
        retriable: true,
        details: { partitions: [...retryKeys] },
      });
    }, request.retry);
  }
}
