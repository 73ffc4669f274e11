export default async function globalTeardown(): Promise<void> {
  const stack = globalThis.__TESTKIT__;
  if (!stack) return;
  await Promise.all([stack.kafka.stop(), stack.s3.stop()]);
}
