import { mkdir } from 'node:fs/promises';
import { withLock } from './lock.js';
import { isAlive, killGroup, portOpen, spawnDetached, waitFor } from './processes.js';
import { type Component, type ProcessRecord, readRecord, removeRecord, writeRecord } from './state.js';

export interface LocalLaunch {
  command: string;
  args: string[];
  dataDir: string;
  logFile: string;
  port: number;
  controllerPort?: number;
}

export interface LocalProcessSpec {
  component: Component;
  stateDir: string;
  owner: 'cli' | 'test';
  /** Prepares config and data on fresh ports; called only when a new process must start. */
  prepare(): Promise<LocalLaunch>;
  /** True once the process answers its protocol, not just its port. */
  ready(record: ProcessRecord): Promise<boolean>;
  startTimeoutMs: number;
}

export interface LocalStart {
  record: ProcessRecord;
  /** False when an already running process (e.g. `npm run stack -- up`) was reused. */
  started: boolean;
}

/**
 * Starts the component unless a healthy one is already recorded in the state dir. Under a
 * cross-process lock, so parallel test files never start two. A recorded process of a crashed test
 * run is stopped first; its ports die with it and the new one takes fresh ports.
 */
export async function startOrReuse(spec: LocalProcessSpec): Promise<LocalStart> {
  await mkdir(spec.stateDir, { recursive: true });
  return withLock(spec.stateDir, spec.component, async () => {
    const existing = await readRecord(spec.stateDir, spec.component);
    if (existing && isAlive(existing.pid)) {
      const reusable = existing.owner === 'cli' || isAlive(existing.ownerPid) || spec.owner === 'cli';
      if (reusable && (await portOpen(existing.port)) && (await spec.ready(existing))) {
        return { record: existing, started: false };
      }
      await killGroup(existing.pid);
    }
    await removeRecord(spec.stateDir, spec.component);
    const launch = await spec.prepare();
    const record: ProcessRecord = {
      component: spec.component,
      pid: 0,
      port: launch.port,
      ...(launch.controllerPort === undefined ? {} : { controllerPort: launch.controllerPort }),
      dataDir: launch.dataDir,
      logFile: launch.logFile,
      command: launch.command,
      args: launch.args,
      owner: spec.owner,
      ownerPid: process.pid,
      startedAt: new Date().toISOString(),
    };
    record.pid = spawnDetached(launch.command, launch.args, launch.logFile);
    await writeRecord(spec.stateDir, record);
    await waitFor(`${spec.component} (pid ${record.pid}, log ${launch.logFile})`, () => spec.ready(record), spec.startTimeoutMs, () => isAlive(record.pid));
    return { record, started: true };
  });
}

export async function stopLocal(stateDir: string, component: Component): Promise<void> {
  await withLock(stateDir, component, async () => {
    const record = await readRecord(stateDir, component);
    if (record) await killGroup(record.pid);
    await removeRecord(stateDir, component);
  });
}

/**
 * Kills the process (SIGKILL, like a crashed server), waits `downMs`, and starts it again on the
 * same port with the same data: for failure tests that take the broker or S3 away mid-run.
 */
export async function restartLocal(
  stateDir: string,
  component: Component,
  downMs: number,
  ready: (record: ProcessRecord) => Promise<boolean>,
  timeoutMs = 120_000,
): Promise<void> {
  const record = await readRecord(stateDir, component);
  if (!record) throw new Error(`no local ${component} recorded in ${stateDir}`);
  await killGroup(record.pid, 0, 'SIGKILL');
  await new Promise((r) => setTimeout(r, downMs));
  await waitFor(`${component} port ${record.port} to be released`, async () => !(await portOpen(record.port)), 30_000);
  const pid = spawnDetached(record.command, record.args, record.logFile);
  const restarted = { ...record, pid, startedAt: new Date().toISOString() };
  await writeRecord(stateDir, restarted);
  await waitFor(`${component} restart`, () => ready(restarted), timeoutMs, () => isAlive(pid));
}

export { readRecord };
