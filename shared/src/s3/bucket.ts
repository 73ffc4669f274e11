import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { classifyS3Error } from './s3-error.js';

/** Creates the bucket unless it exists (ours or already created by a parallel start). */
export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return;
  } catch (err) {
    const classified = classifyS3Error(err, `head bucket ${bucket}`, bucket);
    // A HEAD has no body, so S3 answers a missing bucket as a bare 404 (S3_NOT_FOUND); a server
    // that names it NoSuchBucket means the same here: create it.
    if (classified.code !== 'S3_NOT_FOUND' && classified.code !== 'S3_BUCKET_NOT_FOUND') throw classified;
  }
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'BucketAlreadyOwnedByYou' || name === 'BucketAlreadyExists') return;
    throw classifyS3Error(err, `create bucket ${bucket}`, bucket);
  }
}
