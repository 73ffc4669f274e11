import type { StartedTestContainer } from 'testcontainers';
import { readRecord, releaseLocal, restartLocal, type LocalStart } from './local/local-process.js';
import type { Component, ProcessRecord } from './local/state.js';

/** What every endpoint lets a test do to its server, whichever mode it runs in. */
export interface Control {
  /**
   * Ends this caller's use: stops a server this call started, or a test-owned one nobody else uses
   * any more; a cli-owned (`npm run stack -- up`) or external server is left running.
   */
  stop(): Promise<void>;
  /** Kills the server, keeps it down for `downMs`, brings it back on the same address. */
  restart(downMs: number): Promise<void>;
  /**
   * The server's process id when it runs as a local process recorded in the state dir (a
   * benchmark's CPU accounting reads its /proc entries); undefined for a container.
   */
  serverPid(): Promise<number | undefined>;
}

type Ready = (record: ProcessRecord) => Promise<boolean>;

/** Works from any process (a jest worker, with the endpoint given in env) through the state dir's record. */
function localRestart(stateDir: string, component: Component, ready: Ready): Control['restart'] {
  return async (downMs: number): Promise<void> => {
    if (!(await readRecord(stateDir, component))) throw new Error(`restart needs a local ${component} recorded in ${stateDir}`);
    await restartLocal(stateDir, component, downMs, ready);
  };
}

function recordedPid(stateDir: string, component: Component): Control['serverPid'] {
  return async () => (await readRecord(stateDir, component))?.pid;
}

/** A server someone else runs (TESTKIT_MODE=external): never stopped by us, restarted only if recorded locally. */
export function externalControl(stateDir: string, component: Component, ready: Ready): Control {
  return { stop: async () => undefined, restart: localRestart(stateDir, component, ready), serverPid: recordedPid(stateDir, component) };
}

/** Releases this call's lease on stop: a server another caller still uses keeps running. */
export function localControl(stateDir: string, component: Component, start: LocalStart, ready: Ready): Control {
  return {
    stop: async () => releaseLocal(stateDir, component, start.lease, start.started),
    restart: localRestart(stateDir, component, ready),
    serverPid: recordedPid(stateDir, component),
  };
}

export function containerControl(container: StartedTestContainer): Control {
  return {
    stop: async () => void (await container.stop()),
    restart: async (downMs) => {
      await container.stop({ remove: false });
      await new Promise((r) => setTimeout(r, downMs));
      await container.restart();
    },
    serverPid: async () => undefined,
  };
}
