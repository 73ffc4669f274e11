/**
 * One consumed Kafka record, in the sink's own shape so the pipeline stages stay free of the
 * client library (and unit tests need no broker).
 */
export interface SourceRecord {
  topic: string;
  partition: number;
  offset: number;
  /** Kafka record timestamp in epoch ms: the event time for listening-events. */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Array<Record<string, string | Buffer>>;
}

export function partitionId(topic: string, partition: number): string {
  return `${topic}+${partition}`;
}
