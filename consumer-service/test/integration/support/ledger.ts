import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { KafkaSettings } from '@spotify-pipeline/shared/kafka';
import { stagedFileManifestV1, type StagedFileManifest } from '@spotify-pipeline/shared/schemas';
import { readTopic } from '@spotify-pipeline/testkit';


export interface LedgerCheck {
  manifests: StagedFileManifest[];
  /** event_id of every record in every manifest-referenced object, in manifest order. */
  stagedIds: string[];
  /** Objects in the bucket that no manifest references (uncommitted rounds): never counted. */
  orphanKeys: string[];
  problems: string[];
}

async function getObject(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await response.Body!.transformToByteArray());
}

async function listKeys(s3: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) keys.push(o.Key!);
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

export interface LedgerInput {
  kafka: KafkaSettings;
  s3: S3Client;
  bucket: string;
  sourceTopic: string;
  stagedTopic: string;
  partitions: number;
  /** Offsets that left through the DLQ: covered by a range, absent from the objects. */
  deadLetterOffsets?: Set<string>;
}

/**
 * The reconciliation every exactly-once test runs: all committed manifests against the source
 * topic and the staged objects. Per partition the ranges must tile 0..high-1 with no gap and no
 * overlap; every object must match its manifest (size, sha256, count) and hold exactly the source
 * records of its range, in order.
 */
export async function checkLedger(input: LedgerInput): Promise<LedgerCheck> {
  const problems: string[] = [];
  const source = await readTopic(input.kafka, input.sourceTopic, input.partitions);
  const byPartition = new Map<number, Map<number, Buffer | null>>();
  const high = new Map<number, number>();
  for (const m of source) {
    if (!byPartition.has(m.partition)) byPartition.set(m.partition, new Map());
    byPartition.get(m.partition)!.set(m.offset, m.value);
    high.set(m.partition, Math.max(high.get(m.partition) ?? 0, m.offset + 1));
  }
  const manifests = (await readTopic(input.kafka, input.stagedTopic, input.partitions)).map((m) => stagedFileManifestV1.parse(JSON.parse(m.value!.toString())));
  const stagedIds: string[] = [];
  const dead = input.deadLetterOffsets ?? new Set<string>();

  for (let partition = 0; partition < input.partitions; partition++) {
    const ranges = manifests.filter((m) => m.source.partition === partition).sort((a, b) => a.source.first_offset - b.source.first_offset);
    let expected = 0;
    for (const r of ranges) {
      if (r.source.first_offset < expected) problems.push(`overlap on ${partition}: ${r.source.first_offset} < ${expected}`);
      if (r.source.first_offset > expected) {
        // A gap is allowed only where every missing offset went to the DLQ (a range of dead letters has no object).
        for (let o = expected; o < r.source.first_offset; o++) if (!dead.has(`${partition}:${o}`)) problems.push(`gap on ${partition} at ${o}`);
      }
      expected = r.source.last_offset + 1;
    }
    const end = high.get(partition) ?? 0;
    for (let o = expected; o < end; o++) if (!dead.has(`${partition}:${o}`)) problems.push(`partition ${partition} not covered from ${o} to ${end}`);
    if (expected > end) problems.push(`partition ${partition} covered beyond its end ${end}`);
  }

  for (const m of manifests) {
    const body = await getObject(input.s3, m.bucket, m.key);
    if (body.length !== m.size_bytes) problems.push(`${m.key}: size ${body.length} != ${m.size_bytes}`);
    if (createHash('sha256').update(body).digest('hex') !== m.sha256) problems.push(`${m.key}: sha256 mismatch`);
    const lines = gunzipSync(body).toString('utf8').split('\n').filter((l) => l.length > 0);
    if (lines.length !== m.record_count) problems.push(`${m.key}: ${lines.length} lines != record_count ${m.record_count}`);
    const records = byPartition.get(m.source.partition) ?? new Map();
    const expectedLines: string[] = [];
    for (let o = m.source.first_offset; o <= m.source.last_offset; o++) {
      if (dead.has(`${m.source.partition}:${o}`)) continue;
      expectedLines.push(records.get(o)?.toString('utf8') ?? `<missing source offset ${o}>`);
    }
    if (expectedLines.join('\n') !== lines.join('\n')) problems.push(`${m.key}: content differs from source offsets ${m.source.first_offset}..${m.source.last_offset}`);
    for (const line of lines) stagedIds.push((JSON.parse(line) as { event_id: string }).event_id);
  }
  const referenced = new Set(manifests.map((m) => m.key));
  const orphanKeys = (await listKeys(input.s3, input.bucket)).filter((k) => !referenced.has(k));
  return { manifests, stagedIds, orphanKeys, problems };
}

export function duplicates(ids: string[]): string[] {
  const seen = new Set<string>();
  const dup: string[] = [];
  for (const id of ids) {
    if (seen.has(id)) dup.push(id);
    seen.add(id);
  }
  return dup;
}
