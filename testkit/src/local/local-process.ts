import { randomBytes } from 'node:crypto';
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
  /** Added to the inherited environment; kept in the record so a restart gets it again. */
  env?: Record<string, string>;
  /** Inherited variables with this prefix are dropped, so a stray one cannot reconfigure the process. */
  ownEnvPrefix?: string;
  /** Working directory, for servers that resolve default paths against it. */
  cwd?: string;
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
  /**
   * The endpoints the process is configured against (S3, the catalog). A recorded process built
   * for other endpoints (its S3 server was replaced since) is replaced rather than reused.
   */
  upstream?: string;
}

export interface LocalStart {
  record: ProcessRecord;
  /** False when an already running process (e.g. `npm run stack -- up`) was reused. */
  started: boolean;
  /** This caller's use of the process, given back by `releaseLocal`. */
  lease: string;
}

/** `<pid>:<nonce>`, one per start call: a lease lives as long as the process that took it. */
function newLease(): string {
  return `${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** Records written before leases existed count their owner as the one user. */
function liveLeases(record: ProcessRecord): string[] {
  return (record.leases ?? [`${record.ownerPid}:owner`]).filter((lease) => isAlive(Number(lease.split(':')[0])));
}

/**
 * Starts the component unless a healthy one is already recorded in the state dir. Under a
 * cross-process lock, so parallel test files never start two. A recorded process of a crashed test
 * run (no live user left) is stopped first; its ports die with it and the new one takes fresh ports.
 */
export async function startOrReuse(spec: LocalProcessSpec): Promise<LocalStart> {
  await mkdir(spec.stateDir, { recursive: true });
  const lease = newLease();
  return withLock(spec.stateDir, spec.component, async () => {
    const existing = await readRecord(spec.stateDir, spec.component);
    if (existing && isAlive(existing.pid)) {
      const users = liveLeases(existing);
      const reusable = (existing.owner === 'cli' || users.length > 0 || spec.owner === 'cli') && existing.upstream === spec.upstream;
      if (reusable && (await portOpen(existing.port)) && (await spec.ready(existing))) {
        const record = { ...existing, leases: [...users, lease] };
        await writeRecord(spec.stateDir, record);
        return { record, started: false, lease };
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
      ...(launch.env === undefined ? {} : { env: launch.env }),
      ...(launch.ownEnvPrefix === undefined ? {} : { ownEnvPrefix: launch.ownEnvPrefix }),
      ...(launch.cwd === undefined ? {} : { cwd: launch.cwd }),
      ...(spec.upstream === undefined ? {} : { upstream: spec.upstream }),
      owner: spec.owner,
      ownerPid: process.pid,
      leases: [lease],
      startedAt: new Date().toISOString(),
    };
    record.pid = spawnRecorded(record);
    await writeRecord(spec.stateDir, record);
    await waitFor(`${spec.component} (pid ${record.pid}, log ${launch.logFile})`, () => spec.ready(record), spec.startTimeoutMs, () => isAlive(record.pid));
    return { record, started: true, lease };
  });
}

/**
 * Gives back one caller's use. The last user of a test-owned process stops it, so two test runs
 * sharing a state dir never stop a server under each other; a cli-owned one keeps running unless
 * this caller started it (`npm start` stops what it started) and nobody else uses it. A process
 * replaced since (the lease is not in its record) is not this caller's to stop.
 */
export async function releaseLocal(stateDir: string, component: Component, lease: string, started: boolean): Promise<void> {
  await withLock(stateDir, component, async () => {
    const record = await readRecord(stateDir, component);
    if (!record?.leases?.includes(lease)) return;
    const others = liveLeases(record).filter((other) => other !== lease);
    if (others.length === 0 && (record.owner === 'test' || started)) {
      await killGroup(record.pid);
      await removeRecord(stateDir, component);
      return;
    }
    await writeRecord(stateDir, { ...record, leases: others });
  });
}

function spawnRecorded(record: ProcessRecord): number {
  const inherited = Object.entries(process.env).filter(([name]) => !(record.ownEnvPrefix && name.startsWith(record.ownEnvPrefix)));
  return spawnDetached(record.command, record.args, record.logFile, { ...Object.fromEntries(inherited), ...record.env }, record.cwd);
}

/** Stops the recorded process whoever uses it (`npm run stack -- down`). */
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
  const pid = spawnRecorded(record);
  // Re-read: a caller may have taken or given back a lease while the process was down.
  const restarted = { ...((await readRecord(stateDir, component)) ?? record), pid, startedAt: new Date().toISOString() };
  await writeRecord(stateDir, restarted);
  await waitFor(`${component} restart`, () => ready(restarted), timeoutMs, () => isAlive(pid));
}

export { readRecord };
