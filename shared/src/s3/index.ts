export { s3SettingsSchema, type S3Settings } from './settings.js';
export { createS3Client, type S3ClientOptions } from './client.js';
export { classifyS3Error } from './s3-error.js';
export { ensureBucket } from './bucket.js';
