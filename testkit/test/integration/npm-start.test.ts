import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LakeCatalog, RestCatalog } from '@spotify-pipeline/shared/iceberg';
import { KafkaAdmin, type KafkaSettings } from '@spotify-pipeline/shared/kafka';
import { LAKE_TABLES } from '@spotify-pipeline/shared/schemas';
import { createS3Client, ensureBucket } from '@spotify-pipeline/shared/s3';
import { stackEnv, startIcebergCatalog, startKafka, startS3, uniqueName, waitUntil, type S3Endpoint } from '@spotify-pipeline/testkit';
import { isAlive } from '../../src/local/processes';

const ROOT = join(__dirname, '..', '..', '..');
const STAGES = ['producer', 'sink', 'etl', 'catalog', 'insights'] as const;
const SERVICES = ['producer-service', 'consumer-service', 'etl-worker', 'catalog-sync', 'insights-service'] as const;

/**
 * How the supervisor is launched: through npm as a person types it, or as the command the `start`
 * script runs. After a Ctrl-C, npm with its default shell (dash, which stays in between and
 * re-raises the signal) reports being killed by SIGINT whatever the supervisor returned; the
 * supervisor's own exit code is read without npm, or through npm with bash as its script shell.
 */
type Launch = 'npm' | 'script';

/**
 * `npm start` as a person runs it: the real command, its output piped to us (as `npm start | tee`
 * would), the five real services as its children, against the stack of jest's global setup. Every
 * name it touches (topics, buckets, groups, namespace) is unique, and its logs go to a temp dir.
 */
class NpmStart {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout = '';
  stderr = '';

  constructor(
    env: NodeJS.ProcessEnv,
    readonly workDir: string,
    readonly prefix: string,
    launch: Launch,
  ) {
    const [command, args] = launch === 'npm' ? ['npm', ['start']] : [process.execPath, ['--import', 'tsx', 'testkit/src/start.ts']];
    // Its own process group, like a terminal's foreground job: a signal to the group reaches npm,
    // and the supervisor (not the services, which run in groups of their own).
    this.child = spawn(command as string, args as string[], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (text: string) => (this.stdout += text));
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.stderr += text));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Ctrl-C in a terminal: SIGINT to every process of the foreground group at once. */
  ctrlC(): void {
    process.kill(-this.child.pid!, 'SIGINT');
  }

  /** `started <service> pid <pid> ops port <port>` lines, service → pid. */
  pids(): Map<string, number> {
    return new Map([...this.stdout.matchAll(/^started (\S+) pid (\d+) ops port \d+$/gm)].map((m) => [m[1]!, Number(m[2])]));
  }

  /** The stage lines of the last status screen printed. */
  lastScreen(): Record<(typeof STAGES)[number], string> | undefined {
    const lines = this.stdout.split('\n');
    const at = (stage: string): string | undefined => lines.findLast((line) => line.startsWith(stage.padEnd(10)));
    const screen = Object.fromEntries(STAGES.map((stage) => [stage, at(stage)]));
    return Object.values(screen).every((line) => line !== undefined) ? (screen as Record<(typeof STAGES)[number], string>) : undefined;
  }

  /** The live page's address, from the line npm start prints for it. */
  pageUrl(): string | undefined {
    return /^insights-service live page: (http:\/\/localhost:\d+\/)$/m.exec(this.stdout)?.[1];
  }

  /** Every service wrote ServiceStarted: each handles SIGTERM by draining from here on. */
  allStarted(): boolean {
    return SERVICES.every((service) => {
      const log = join(this.workDir, 'logs', `${service}.log`);
      return existsSync(log) && readFileSync(log, 'utf8').includes('"msg":"ServiceStarted"');
    });
  }

  /** Waits for `what` on this run; on a timeout the error carries the run's last output. */
  async waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number): Promise<T> {
    try {
      return await waitUntil(what, check, timeoutMs, 100);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- stdout (end) ---\n${this.stdout.slice(-3_000)}\n--- stderr ---\n${this.stderr.slice(-2_000)}`);
    }
  }

  /** The last lines of every service's log, to explain a failure. */
  logTails(lines = 6): string {
    return SERVICES.map((service) => {
        const log = join(this.workDir, 'logs', `${service}.log`);
        const tail = existsSync(log) ? readFileSync(log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '(no log)';
        return `--- ${service} ---\n${tail}`;
      })
      .join('\n');
  }

  /** Nothing of this run is left behind, whatever the test did. */
  cleanUp(): void {
    for (const pid of this.pids().values()) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    if (this.child.exitCode === null && this.child.signalCode === null) process.kill(-this.child.pid!, 'SIGKILL');
  }
}

describe('npm start', () => {
  let baseEnv: NodeJS.ProcessEnv;
  const runs: NpmStart[] = [];
  const held: Server[] = [];

  let s3Settings: S3Endpoint['settings'];
  let kafkaSettings: KafkaSettings;

  beforeAll(async () => {
    const [kafka, s3] = [await startKafka(), await startS3()];
    s3Settings = s3.settings;
    kafkaSettings = kafka.settings;
    baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...stackEnv(kafka, s3, { catalog: await startIcebergCatalog(s3) }) };
  });

  afterEach(async () => {
    const prefixes: string[] = [];
    for (const run of runs.splice(0)) {
      run.cleanUp();
      rmSync(run.workDir, { recursive: true, force: true });
      prefixes.push(run.prefix);
    }
    // The services created this run's topics on the shared broker.
    const admin = KafkaAdmin.create(kafkaSettings, 'npm-start-test');
    try {
      for (const topic of await admin.listTopics()) if (prefixes.some((prefix) => topic.startsWith(prefix))) await admin.deleteTopic(topic);
    } finally {
      admin.close();
    }
    await Promise.all(held.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  /** `withLake`: buckets and tables made up front, for a run whose services get as far as the lake. */
  async function start(launch: Launch, extra: NodeJS.ProcessEnv = {}, withLake = true): Promise<NpmStart> {
    const prefix = uniqueName('npm-start');
    const work = mkdtempSync(join(tmpdir(), 'npm-start-'));
    const namespace = prefix.replace(/-/g, '_');
    // Made here, one at a time, not by the services: etl-worker and catalog-sync creating the same
    // new tables at the same moment get HTTP 500 from the local REST catalog's SQLite store and die
    // at start (their race, not the supervisor's, which these tests are about); retried, as even a
    // lone write can meet another test's.
    if (withLake) {
      const s3 = createS3Client(s3Settings);
      for (const bucket of [`${prefix}-staging`, `${prefix}-lake`]) await ensureBucket(s3, bucket);
      s3.destroy();
      const lake = new LakeCatalog(new RestCatalog({ uri: baseEnv.ICEBERG_REST_URI! }), namespace, `${prefix}-lake`);
      for (const table of LAKE_TABLES) await waitUntil(`table ${namespace}.${table.name}`, () => lake.ensureTable(table).then(() => true), 60_000, 500);
    }
    const env = {
      ...baseEnv,
      TESTKIT_STATE_DIR: work,
      TOPICS_LISTENING_EVENTS: `${prefix}-events`,
      TOPICS_TRACKS: `${prefix}-tracks`,
      TOPICS_DLQ: `${prefix}-events.dlq`,
      TOPICS_STAGED_FILES: `${prefix}-staged-files`,
      TOPICS_LAKE_FILES: `${prefix}-lake-files`,
      TOPICS_PARTITIONS: '1',
      STORAGE_STAGING_BUCKET: `${prefix}-staging`,
      STORAGE_LAKE_BUCKET: `${prefix}-lake`,
      ICEBERG_NAMESPACE: namespace,
      SINK_GROUP_ID: `${prefix}-sink`,
      SINK_TRANSACTIONAL_ID: `${prefix}-sink-0`,
      ETL_GROUP_ID: `${prefix}-etl`,
      ETL_TRANSACTIONAL_ID: `${prefix}-etl-0`,
      ETL_COMPACTION_GROUP_ID: `${prefix}-compactor`,
      ETL_TRACKS_GROUP_ID: `${prefix}-tracks`,
      ETL_DUCKDB_THREADS: '1',
      CATALOG_GROUP_ID: `${prefix}-catalog`,
      INSIGHTS_GROUP_ID: `${prefix}-insights`,
      LOCAL_CACHE_DIR: join(work, 'catalog-cache'),
      // A small simulation: this is about processes, not volume.
      PRODUCER_RATE: '20',
      PRODUCER_USERS: '100',
      PRODUCER_TRACKS: '500',
      ...extra,
    };
    const run = new NpmStart(env, work, prefix, launch);
    runs.push(run);
    return run;
  }

  async function occupiedPort(): Promise<number> {
    const server = createServer();
    held.push(server);
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    return (server.address() as { port: number }).port;
  }

  it('with a pinned ops port already taken, says which port, service and fix in one line and exits non-zero, starting nothing', async () => {
    const port = await occupiedPort();
    const run = await start('npm', { HTTP_PORT_CONSUMER_SERVICE: String(port) }, false);
    const { code } = await run.exited;
    expect(code).toBe(78);
    const lines = run.stderr.split('\n').filter((line) => line.startsWith('npm start:'));
    expect(lines).toEqual([
      `npm start: port ${port} for consumer-service (HTTP_PORT_CONSUMER_SERVICE) is already in use by another process. Fix: stop that process (ss -ltnp 'sport = :${port}' names it), set HTTP_PORT_CONSUMER_SERVICE to another port, or unset it so npm start picks a free one.`,
    ]);
    expect(run.pids().size).toBe(0);
  });

  it('shows a service that exits as DOWN with its exit code and the last line of its log, while the others run on', async () => {
    const run = await start('script', { CATALOG_ALLOWED_LATENESS_MS: 'soon' });
    const screen = await run.waitFor('a screen with catalog-sync down and the other four up', () => {
      const s = run.lastScreen();
      return s && s.catalog.includes('DOWN') && !/starting|DOWN/.test(s.producer + s.sink + s.etl + s.insights) ? s : undefined;
    }, 120_000);
    expect(screen.catalog).toMatch(/^catalog {3}DOWN {2}catalog-sync exited with code 78; last log: catalog-sync: .*CATALOG_ALLOWED_LATENESS_MS="soon" is invalid/);
    expect(screen.sink).toMatch(/^sink {6}staged \S+ records/);

    run.ctrlC();
    const { code } = await run.exited;
    // Not a clean run: one service failed, and the exit code says so.
    expect(code).toBe(1);
    expect(run.stdout).toContain('  catalog-sync exited 78');
    for (const [service, pid] of run.pids()) expect({ service, alive: isAlive(pid) }).toEqual({ service, alive: false });
  });

  it('stops every service in pipeline order and exits on Ctrl-C with its output piped, even after the reader went away', async () => {
    // With bash as npm's script shell (macOS's sh is bash) the command is exec'd, so one Ctrl-C
    // reaches the supervisor twice: from the terminal, and forwarded by npm. It must drain once.
    const piped = await start('npm', { npm_config_script_shell: '/bin/bash' });
    const quiet = await start('script');
    for (const run of [piped, quiet]) {
      await run.waitFor('all five services up on the screen and started', () => {
        const s = run.lastScreen();
        return s && !/starting|DOWN/.test(Object.values(s).join('\n')) && run.allStarted();
      }, 120_000);
    }
    expect(piped.pids().size).toBe(5);
    expect(quiet.pids().size).toBe(5);
    // The printed page answers, and its API counts the simulated plays.
    const page = piped.pageUrl();
    expect(page).toBeDefined();
    const html = await fetch(page!);
    expect(html.status).toBe(200);
    expect(await html.text()).toContain('<title>Spotify listening');
    const plays = await piped.waitFor('plays on the live page', async () => {
      const summary = (await (await fetch(`${page}api/summary?minutes=60`)).json()) as { plays: number };
      return summary.plays > 0 && summary.plays;
    }, 60_000);
    expect(plays).toBeGreaterThan(0);
    // The piped screen comes every 10 s: its insights line catches up with the API.
    const line = await piped.waitFor('the insights line counting events', () => {
      const insights = piped.lastScreen()?.insights;
      return insights !== undefined && /^insights {2}counted [1-9][\d,]* events in [1-9]\d* windows/.test(insights) && insights;
    }, 30_000);
    expect(line).not.toContain('rebuilding');

    // `npm start | head` that already ended: every later write of the supervisor fails with EPIPE.
    quiet.child.stdout!.destroy();
    quiet.child.stderr!.destroy();
    piped.ctrlC();
    quiet.ctrlC();
    const [pipedExit, quietExit] = await Promise.all([piped.exited, quiet.exited]);

    // One stop (never the forced one), in pipeline order, every service drained to exit 0.
    const report = piped.stdout.slice(piped.stdout.lastIndexOf('\nSIGINT: stopping'));
    if (!/catalog-sync exited 0\n {2}insights-service exited 0\n$/.test(report)) console.log(`drain report:${report}\n${piped.logTails()}`);
    expect(report).toBe(
      [
        '\nSIGINT: stopping producer → sink → etl → catalog → insights (each drains)…',
        '  producer-service exited 0',
        '  consumer-service exited 0',
        '  etl-worker exited 0',
        '  catalog-sync exited 0',
        '  insights-service exited 0',
        '',
      ].join('\n'),
    );
    // No shell in between: npm exits with the supervisor's own code.
    expect(pipedExit).toEqual({ code: 0, signal: null });
    // The drain ran to its end with nobody reading: a clean exit, and no service left running.
    expect(quietExit).toEqual({ code: 0, signal: null });
    for (const run of [piped, quiet]) {
      for (const [service, pid] of run.pids()) expect({ service, alive: isAlive(pid) }).toEqual({ service, alive: false });
    }
  });
});
