export default async function globalTeardown(): Promise<void> {
  const stack = globalThis.__TESTKIT__;
  if (!stack) return;
  // Reverse of the start order: Trino reads through the catalog, the catalog writes to S3.
  await Promise.all([stack.kafka.stop(), stack.trino.stop().then(() => stack.catalog.stop()).then(() => stack.s3.stop())]);
}
