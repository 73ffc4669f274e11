import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { retry } from '../retry/index.js';
import { classifyS3Error } from '../s3/s3-error.js';

/** `s3://bucket/key` → its parts; Iceberg metadata names every file by such a URI. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3a?:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// location: ${uri}`);
  return { bucket: match[1]!, key: match[2]! };
}

export const s3Uri = (bucket: string, key: string): string => `s3://${bucket}/${key}`;

export interface ListedObject {
  uri: string;
  sizeBytes: number;
  lastModifiedMs: number;
}

/**
 * Reads and writes the files Iceberg metadata points at (manifests, manifest lists, data files)
 * by their s3:// URIs. Every call is retried on transient errors with the shared policy.
 */
export class S3FileIO {
  constructor(private readonly s3: S3Client) {}

  async read(uri: string): Promise<Buffer> {
    const { bucket, key } = parseS3Uri(uri);
    return retry(async () => {
      try {
        const got = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await got.Body!.transformToByteArray());
      } catch (err) {
        throw classifyS3Error(err, `get ${uri}`);
      }
    });
  }

  async write(uri: string, body: Buffer, contentType = 'application/octet-stream'): Promise<void> {
    const { bucket, key } = parseS3Uri(uri);
    await retry(async () => {
      try {
        await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
      } catch (err) {
        throw classifyS3Error(err, `put ${uri}`);
      }
    });
  }

  /** Every object under a prefix URI (`s3://bucket/table/data/`). */
  async list(prefixUri: string): Promise<ListedObject[]> {
    const { bucket, key: prefix } = parseS3Uri(prefixUri);
    const listed: ListedObject[] = [];
    let token: string | undefined;
    do {
      const page = await retry(async () => {
        try {
          return await this.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        } catch (err) {
          throw classifyS3Error(err, `list ${prefixUri}`);
        }
      });
      for (const o of page.Contents ?? []) listed.push({ uri: s3Uri(bucket, o.Key!), sizeBytes: o.Size ?? 0, lastModifiedMs: o.LastModified?.getTime() ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return listed;
  }

  /** Deletes objects, 1,000 per request (the S3 limit); a missing object is not an error. */
  async delete(uris: string[]): Promise<void> {
    const byBucket = new Map<string, string[]>();
    for (const uri of uris) {
      const { bucket, key } = parseS3Uri(uri);
      byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), key]);
    }
    for (const [bucket, keys] of byBucket) {
      for (let i = 0; i < keys.length; i += 1_000) {
        const chunk = keys.slice(i, i + 1_000);
        await retry(async () => {
          try {
            await this.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true } }));
          } catch (err) {
            throw classifyS3Error(err, `delete ${chunk.length} objects in s3://${bucket}`);
          }
        });
      }
    }
  }
}
