import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type Component = 'kafka' | 's3' | 'iceberg-rest' | 'trino';

/** What a running local process is, recorded so any process (a jest worker, the CLI) can reach it. */
export interface ProcessRecord {
  component: Component;
  pid: number;
  port: number;
  /** Extra ports (the KRaft controller). */
  controllerPort?: number;
  dataDir: string;
  logFile: string;
  /** java command line, so `restart` brings it back on the same port with the same data. */
  command: string;
  args: string[];
  /** Added to the inherited environment (the REST catalog takes its settings only from env). */
  env?: Record<string, string>;
  /** Inherited variables with this prefix are dropped: only `env` sets them. */
  ownEnvPrefix?: string;
  /** Working directory, for servers that resolve default paths against it (Trino). */
  cwd?: string;
  /** The endpoints this process was configured against (S3, the catalog): a mismatch means replace it. */
  upstream?: string;
  /** 'cli' stacks are long-lived and reused; 'test' stacks of a crashed run are replaced. */
  owner: 'cli' | 'test';
  ownerPid: number;
  /** Who uses the process now (`<pid>:<nonce>` per start call): the last to release a test-owned one stops it. */
  leases?: string[];
  startedAt: string;
}

function recordPath(stateDir: string, component: Component): string {
  return join(stateDir, `${component}.json`);
}

export async function readRecord(stateDir: string, component: Component): Promise<ProcessRecord | undefined> {
  const path = recordPath(stateDir, component);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(await readFile(path, 'utf8')) as ProcessRecord;
  } catch {
    // A half-written record from a crash: treat as absent; the process it named is reaped by port.
    return undefined;
  }
}

export async function writeRecord(stateDir: string, record: ProcessRecord): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const path = recordPath(stateDir, record.component);
  await writeFile(`${path}.tmp`, JSON.stringify(record, null, 2));
  await rename(`${path}.tmp`, path);
}

export async function removeRecord(stateDir: string, component: Component): Promise<void> {
  await rm(recordPath(stateDir, component), { force: true });
}
