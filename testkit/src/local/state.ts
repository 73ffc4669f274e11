import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type Component = 'kafka' | 's3';

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
  /** 'cli' stacks are long-lived and reused; 'test' stacks of a crashed run are replaced. */
  owner: 'cli' | 'test';
  ownerPid: number;
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
