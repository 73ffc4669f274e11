import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../local/paths.js';

export type ServiceName = 'producer-service' | 'consumer-service' | 'etl-worker' | 'catalog-sync' | 'insights-service';

export interface ServiceProcessOptions {
  service: ServiceName;
  env: NodeJS.ProcessEnv;
  args?: string[];
  /** Where stdout/stderr go; 'inherit' for `npm start`, a file for tests. */
  output: 'inherit' | string;
  /** Own process group, so a terminal's Ctrl-C reaches only the supervisor. */
  detached?: boolean;
}

/**
 * One service as a child process (`node <service>/dist/main.js`), the way production runs it:
 * started, SIGKILLed at any point, restarted with the same env, stopped with SIGTERM.
 */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  /** The log file descriptor, handed to the child directly: its output never waits on our event loop. */
  private logFd: number | undefined;
  /** How many times the process was started (restarts included). */
  starts = 0;
  /**
   * Size of the log file when the current process started: the log is appended across restarts
   * and runs, so what this process wrote starts here (a line before it belongs to someone else).
   */
  logOffset = 0;

  constructor(private readonly options: ServiceProcessOptions) {}

  get name(): ServiceName {
    return this.options.service;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The exit code of the last process, null while it runs or when a signal ended it. */
  get exitCode(): number | null {
    return this.child?.exitCode ?? null;
  }

  /** The signal that ended the last process, if one did. */
  get signalCode(): NodeJS.Signals | null {
    return this.child?.signalCode ?? null;
  }

  /** The log file, or undefined when output is inherited. */
  get logFile(): string | undefined {
    return this.options.output === 'inherit' ? undefined : this.options.output;
  }

  start(): void {
    if (this.running) throw new Error(`${this.name} is already running`);
    if (this.options.output !== 'inherit') this.logFd ??= openSync(this.options.output, 'a');
    const out = this.logFd ?? 'inherit';
    if (this.logFd !== undefined) this.logOffset = fstatSync(this.logFd).size;
    this.child = spawn(process.execPath, [join(REPO_ROOT, this.name, 'dist', 'main.js'), ...(this.options.args ?? [])], {
      env: this.options.env,
      stdio: ['ignore', out, out],
      detached: this.options.detached ?? false,
    });
    this.starts += 1;
  }

  /** Resolves with the exit code (null when killed by a signal). */
  waitForExit(timeoutMs = 120_000): Promise<number | null> {
    const child = this.child;
    if (!child || !this.running) return Promise.resolve(child?.exitCode ?? null);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not exit within ${timeoutMs} ms`)), timeoutMs);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
  }

  /** kill -9: no shutdown hook runs, exactly like a crashed container. */
  async kill9(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    await this.waitForExit(30_000);
  }

  /** Sends a signal without waiting: for a supervisor leaving in a hurry (its own exit handler). */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child!.kill(signal);
  }

  async restart(): Promise<void> {
    await this.kill9();
    this.start();
  }

  /** Graceful stop; returns the exit code (0 when the service drained cleanly). */
  async stop(timeoutMs = 120_000): Promise<number | null> {
    if (!this.running) return this.child?.exitCode ?? null;
    this.child!.kill('SIGTERM');
    try {
      return await this.waitForExit(timeoutMs);
    } catch (err) {
      this.child!.kill('SIGKILL');
      throw err;
    }
  }

  close(): void {
    if (this.logFd !== undefined) closeSync(this.logFd);
    this.logFd = undefined;
  }
}
