import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { probeChild, type StageState } from './child-probe.js';
import { checkPinnedPorts, claimOpsPort, freeOpsPort, pinnedWebPort } from './ops-ports.js';
import { ServiceProcess, type ServiceName } from './service-process.js';
import type { StageKey, StageStates } from './status-screen.js';

/**
 * Pipeline order: how the stages drain (the producer stops writing first). They start in reverse, so
 * insights-service, a reader of the source topic beside the lake, starts first and stops last.
 */
export const PIPELINE_ORDER: readonly ServiceName[] = ['producer-service', 'consumer-service', 'etl-worker', 'catalog-sync', 'insights-service'];

export const STAGE_OF: Record<ServiceName, StageKey> = {
  'producer-service': 'producer',
  'consumer-service': 'sink',
  'etl-worker': 'etl',
  'catalog-sync': 'catalog',
  'insights-service': 'insights',
};

export interface SupervisorOptions {
  /** The environment every service shares (stack endpoints, topics, ...); HTTP_PORT_<SERVICE> pins. */
  env: NodeJS.ProcessEnv;
  /** `<service>.log` of each child goes here. */
  logDir: string;
  /** Where progress lines go (started, stopping, exited). */
  say: (line: string) => void;
}

interface Child {
  service: ServiceProcess;
  port: number;
  instanceId: string;
  startedAt: number;
}

/**
 * The five services of `npm start` as child processes, each in its own process group (a terminal's
 * Ctrl-C reaches only the supervisor, which then stops them in order), each on an ops port chosen
 * free and with an instance id of its own, so the status screen reads only its own children.
 */
export class PipelineSupervisor {
  private readonly children: Child[] = [];
  /** insights-service's page and JSON API port (WEB_PORT), known once start() picked it. */
  private webPort: number | undefined;

  constructor(private readonly options: SupervisorOptions) {}

  /**
   * Checks every pinned port, then claims each service's port right before starting it, downstream
   * first so every stage consumes before the producer writes. Throws OpsPortError before starting
   * anything when a pin is taken; one taken in the meantime throws with the earlier ones running
   * (drain() stops them).
   */
  async start(): Promise<void> {
    const pins = await checkPinnedPorts(this.options.env);
    // Picked up front so the ports are known before the first start; each is checked again below.
    const handedOut = new Set(pins.values());
    const picked = new Map<ServiceName, number>();
    for (const service of PIPELINE_ORDER) {
      if (pins.has(service)) continue;
      const port = await freeOpsPort(handedOut);
      handedOut.add(port);
      picked.set(service, port);
    }
    // The page's port: WEB_PORT when pinned (checked free above), else one free now.
    const webPin = pinnedWebPort(this.options.env);
    const webPicked = webPin === undefined ? await freeOpsPort(handedOut) : undefined;
    handedOut.add(webPin ?? webPicked!);
    for (const service of [...PIPELINE_ORDER].reverse()) {
      const others = new Set([...handedOut].filter((port) => port !== (pins.get(service) ?? picked.get(service))));
      const port = await claimOpsPort(service, pins.get(service), picked.get(service), others);
      handedOut.add(port);
      const instanceId = randomUUID();
      const extra: NodeJS.ProcessEnv = {};
      if (service === 'insights-service') {
        const webOthers = new Set([...handedOut].filter((p) => p !== (webPin ?? webPicked)));
        // A pin was checked free with the others; one taken since then shows as this child DOWN, naming the port.
        this.webPort = webPin ?? (await claimOpsPort(service, undefined, webPicked, webOthers));
        handedOut.add(this.webPort);
        extra.WEB_PORT = String(this.webPort);
      }
      const child = new ServiceProcess({
        service,
        env: { ...this.options.env, ...extra, HTTP_PORT: String(port), PIPELINE_INSTANCE_ID: instanceId },
        output: join(this.options.logDir, `${service}.log`),
        detached: true,
      });
      child.start();
      this.children.push({ service: child, port, instanceId, startedAt: Date.now() });
      this.options.say(`started ${service} pid ${child.pid} ops port ${port}`);
    }
  }

  /** The live page's address (insights-service), once started. */
  pageUrl(): string | undefined {
    return this.webPort === undefined ? undefined : `http://localhost:${this.webPort}/`;
  }

  /** `producer :41001 pid 123 · sink :41002 pid 124 · ...`, for the screen's header. */
  describe(): string {
    return this.ordered()
      .map((child) => `${STAGE_OF[child.service.name]} :${child.port} pid ${child.service.pid}`)
      .join(' · ');
  }

  /** Every stage as it is now: a child never started (start failed early) reads as down. */
  async sample(): Promise<StageStates> {
    const states = {} as Record<StageKey, StageState>;
    await Promise.all(
      PIPELINE_ORDER.map(async (service) => {
        const child = this.children.find((c) => c.service.name === service);
        states[STAGE_OF[service]] = child
          ? await probeChild({ child: child.service, port: child.port, instanceId: child.instanceId, startedAt: child.startedAt })
          : { kind: 'down', reason: `${service} was not started` };
      }),
    );
    return states;
  }

  /**
   * Stops the children in pipeline order, each draining before the next is asked; one stuck past
   * `timeoutMs` is SIGKILLed so it cannot keep the others running. True when every one exited 0.
   */
  async drain(timeoutMs = 120_000): Promise<boolean> {
    let clean = true;
    for (const { service } of this.ordered()) {
      const code = await service.stop(timeoutMs).catch((err: unknown) => {
        this.options.say(`  ${service.name}: ${err instanceof Error ? err.message : String(err)}; killed`);
        return null;
      });
      this.options.say(`  ${service.name} ${service.signalCode ? `was killed by ${service.signalCode}` : `exited ${code}`}`);
      clean &&= code === 0;
      service.close();
    }
    return clean;
  }

  /** Signals every child still running, without waiting: a forced stop, or the supervisor's own exit. */
  signalAll(signal: NodeJS.Signals): void {
    for (const { service } of this.children) service.signal(signal);
  }

  /** Resolves when no child is running any more (after signalAll). */
  async waitForAll(timeoutMs = 30_000): Promise<void> {
    await Promise.all(this.children.map(({ service }) => service.waitForExit(timeoutMs).catch(() => null)));
  }

  private ordered(): Child[] {
    return PIPELINE_ORDER.flatMap((service) => this.children.filter((child) => child.service.name === service));
  }
}
