const OFFSET_DIGITS = 20;

export interface ObjectKeyParts {
  prefix: string;
  topic: string;
  partition: number;
  firstOffset: number;
  lastOffset: number;
  /** Kafka timestamp of the first record: dt/hour are for browsing only. */
  firstTimestampMs: number;
}

function pad(offset: number): string {
  return String(offset).padStart(OFFSET_DIGITS, '0');
}

/**
 * `staging/<topic>/dt=YYYY-MM-DD/hour=HH/<topic>+<partition>+<first:020>+<last:020>.ndjson.gz`.
 * Depends only on the records (never on the wall clock), so a replay after a crash between upload
 * and commit rewrites the same key instead of leaving a second copy behind.
 */
export function stagingKey(parts: ObjectKeyParts): string {
  // The first record of a batch may be one the DLQ took for its timestamp: the folder is for
  // browsing only, so such a batch is filed under 1970 rather than throwing (deterministically).
  const valid = Number.isInteger(parts.firstTimestampMs) && parts.firstTimestampMs >= -1 && parts.firstTimestampMs <= 253_402_300_799_999;
  const time = new Date(valid ? parts.firstTimestampMs : 0).toISOString();
  const dt = time.slice(0, 10);
  const hour = time.slice(11, 13);
  const name = `${parts.topic}+${parts.partition}+${pad(parts.firstOffset)}+${pad(parts.lastOffset)}.ndjson.gz`;
  return `${parts.prefix}/${parts.topic}/dt=${dt}/hour=${hour}/${name}`;
}

const KEY_PATTERN = /\/([^/]+)\+(\d+)\+(\d{20})\+(\d{20})\.ndjson\.gz$/;

/** The offset range a staging key names (for janitors and verifiers). */
export function parseStagingKey(key: string): { topic: string; partition: number; firstOffset: number; lastOffset: number } | undefined {
  const match = KEY_PATTERN.exec(key);
  if (!match) return undefined;
  return { topic: match[1]!, partition: Number(match[2]), firstOffset: Number(match[3]), lastOffset: Number(match[4]) };
}
