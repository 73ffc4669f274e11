/**
 * `npm run report -- <saved-query> [--format table|csv|json]` and `npm run query -- "<SQL>"`:
 * catalog-sync's CLI pointed at the running local stack (or the endpoints in env).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './local/paths.js';
import { startIcebergCatalog, startKafka, startS3 } from './index.js';
import { pipelineEnv } from './pipeline/pipeline-env.js';

async function main(): Promise<number> {
  const [command = 'report', ...args] = process.argv.slice(2);
  const kafka = await startKafka({ owner: 'cli' });
  const s3 = await startS3({ owner: 'cli' });
  const catalog = await startIcebergCatalog(s3, { owner: 'cli' });
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'catalog-sync', 'dist', 'main.js'), command, ...args], {
    env: { ...pipelineEnv(kafka, s3, process.env, catalog), HTTP_PORT: '0' },
    stdio: 'inherit',
  });
  return result.status ?? 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
