import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TrinoClient } from '../trino/trino-client.js';
import { java25Binary } from './java25.js';
import type { LocalLaunch } from './local-process.js';
import { freePort } from './processes.js';
import type { ProcessRecord } from './state.js';
import { ensureTrinoServer, TRINO_PLUGINS } from './trino-dist.js';

/** The Trino catalog name under which the lake's Iceberg tables appear: `iceberg.<schema>.<table>`. */
export const TRINO_ICEBERG_CATALOG = 'iceberg';

export interface TrinoStorage {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** Trino's Iceberg connector on the REST catalog, reading and writing data files through S3 directly. */
export function icebergCatalogProperties(restUri: string, s3: TrinoStorage): string {
  return [
    'connector.name=iceberg',
    'iceberg.catalog.type=rest',
    `iceberg.rest-catalog.uri=${restUri}`,
    'fs.native-s3.enabled=true',
    `s3.endpoint=${s3.endpoint}`,
    's3.path-style-access=true',
    `s3.region=${s3.region}`,
    `s3.aws-access-key=${s3.accessKeyId}`,
    `s3.aws-secret-key=${s3.secretAccessKey}`,
    '',
  ].join('\n');
}

/**
 * A single-node Trino (coordinator that also runs tasks) sized for a 2-core test machine: 1 GB heap,
 * one connector. Every path is absolute and the process runs in its data dir, because Trino resolves
 * its defaults (plugin/, etc/, var/log) against the working directory.
 */
export async function prepareTrino(stateDir: string, restUri: string, s3: TrinoStorage): Promise<LocalLaunch> {
  const serverDir = await ensureTrinoServer();
  const java = java25Binary();
  const port = await freePort();
  const dataDir = join(stateDir, 'trino');
  const etcDir = join(dataDir, 'etc');
  const pluginDir = join(dataDir, 'plugin');
  const nodeDataDir = join(dataDir, 'data');
  await mkdir(join(etcDir, 'catalog'), { recursive: true });
  await mkdir(nodeDataDir, { recursive: true });
  // Links to the cached plugins, so a new Trino version in the cache is picked up by the next start.
  await rm(pluginDir, { recursive: true, force: true });
  await mkdir(pluginDir);
  for (const plugin of TRINO_PLUGINS) await symlink(join(serverDir, 'plugin', plugin), join(pluginDir, plugin));
  // Trino's launcher turns node.properties into system properties; started directly, TrinoServer
  // takes them from the command line below. The file stays for people who read etc/.
  const node = ['node.environment=test', 'node.id=testkit', `node.data-dir=${nodeDataDir}`, 'node.internal-address=127.0.0.1'];
  await writeFile(join(etcDir, 'node.properties'), [...node, ''].join('\n'));
  await writeFile(
    join(etcDir, 'config.properties'),
    [
      'coordinator=true',
      'node-scheduler.include-coordinator=true',
      `http-server.http.port=${port}`,
      `discovery.uri=http://127.0.0.1:${port}`,
      `plugin.dir=${pluginDir}`,
      'query.max-memory=512MB',
      'query.max-memory-per-node=512MB',
      // Nobody reads the request log of a test server; it would grow by every poll of every query.
      'http-server.log.enabled=false',
      '',
    ].join('\n'),
  );
  await writeFile(join(etcDir, 'catalog', `${TRINO_ICEBERG_CATALOG}.properties`), icebergCatalogProperties(restUri, s3));
  // Bootstrap prints ~900 lines of effective config per start, the metrics reporter a block per scan.
  await writeFile(join(etcDir, 'log.properties'), ['Bootstrap=WARN', 'org.apache.iceberg.metrics.LoggingMetricsReporter=WARN', ''].join('\n'));
  return {
    command: java,
    args: [
      '-Xmx1G',
      '-XX:+UseG1GC',
      '-XX:+ExitOnOutOfMemoryError',
      // Trino attaches JOL's agent to itself to size objects; allowed up front, it skips the warnings.
      '-Djdk.attach.allowAttachSelf=true',
      '-XX:+EnableDynamicAgentLoading',
      // As Trino's own jvm.config: JOL and native libraries, without a warning block per start.
      '--enable-native-access=ALL-UNNAMED',
      '--sun-misc-unsafe-memory-access=allow',
      `-Dconfig=${join(etcDir, 'config.properties')}`,
      `-Dcatalog.config-dir=${join(etcDir, 'catalog')}`,
      `-Dlog.levels-file=${join(etcDir, 'log.properties')}`,
      ...node.map((line) => `-D${line}`),
      '-cp',
      `${serverDir}/lib/*`,
      'io.trino.server.TrinoServer',
    ],
    dataDir,
    logFile: join(dataDir, 'trino.log'),
    port,
    cwd: dataDir,
  };
}

/** Ready means the coordinator finished starting and runs a query; /v1/info answers long before. */
export async function trinoReady(record: Pick<ProcessRecord, 'port'>): Promise<boolean> {
  const uri = `http://127.0.0.1:${record.port}`;
  try {
    const res = await fetch(`${uri}/v1/info`, { signal: AbortSignal.timeout(2_000) });
    if (res.status !== 200 || ((await res.json()) as { starting?: boolean }).starting !== false) return false;
    const { rows } = await new TrinoClient({ uri }).query('SELECT 1 AS one', { timeoutMs: 10_000 });
    return rows[0]?.one === 1;
  } catch {
    return false;
  }
}
