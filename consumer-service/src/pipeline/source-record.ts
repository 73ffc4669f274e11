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

/** Ids built once per partition: the sink asks for one per record, and a fresh string each time is garbage. */
const ids = new Map<string, string[]>();
/** The last answer: records arrive in runs of one partition, so this is nearly always the one asked for. */
let last = { topic: '', partition: -1, id: '' };

/** `<topic>+<partition>`: how the sink names a partition in its maps, logs and metrics. */
export function partitionId(topic: string, partition: number): string {
  if (partition === last.partition && topic === last.topic) return last.id;
  let byPartition = ids.get(topic);
  if (!byPartition) ids.set(topic, (byPartition = []));
  const id = (byPartition[partition] ??= `${topic}+${partition}`);
  last = { topic, partition, id };
  return id;
}
