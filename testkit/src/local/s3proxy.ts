import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureJars } from './jars.js';
import { javaBinary } from './kafka.js';
import type { LocalLaunch } from './local-process.js';
import { LOGBACK_PATH } from './paths.js';
import { freePort } from './processes.js';
import type { ProcessRecord } from './state.js';

export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'testkit', secretAccessKey: 'testkit-secret-key' } as const;

/** S3Proxy on its filesystem backend with aws-v4 signatures checked (s3rver checks none). */
export async function prepareS3Proxy(stateDir: string): Promise<LocalLaunch> {
  const classpathDir = await ensureJars('s3proxy');
  const port = await freePort();
  const dataDir = join(stateDir, 's3');
  const blobDir = join(dataDir, 'blobs');
  await mkdir(blobDir, { recursive: true });
  const configFile = join(dataDir, 's3proxy.properties');
  await writeFile(
    configFile,
    [
      `s3proxy.endpoint=http://127.0.0.1:${port}`,
      's3proxy.authorization=aws-v2-or-v4',
      `s3proxy.identity=${LOCAL_S3_CREDENTIALS.accessKeyId}`,
      `s3proxy.credential=${LOCAL_S3_CREDENTIALS.secretAccessKey}`,
      // Trino lists objects with x-amz-optional-object-attributes, which S3Proxy otherwise answers with 501.
      's3proxy.ignore-unknown-headers=true',
      'jclouds.provider=filesystem',
      `jclouds.filesystem.basedir=${blobDir}`,
      '',
    ].join('\n'),
  );
  return {
    command: javaBinary(),
    args: ['-Xms128m', '-Xmx512m', `-Dlogback.configurationFile=${LOGBACK_PATH}`, '-cp', `${classpathDir}/*`, 'org.gaul.s3proxy.Main', '--properties', configFile],
    dataDir,
    logFile: join(dataDir, 's3proxy.log'),
    port,
  };
}

/** Any HTTP answer (403 for an unsigned request) means S3Proxy is serving. */
export async function s3Ready(record: Pick<ProcessRecord, 'port'>): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${record.port}/`, { signal: AbortSignal.timeout(2_000) });
    return res.status > 0;
  } catch {
    return false;
  }
}
