/**
 * Samples every stage's /readyz and /healthz a few times a second while a test runs, the way a
 * kubelet would, so a test can ask what the probes said during a fault window and after it.
 */
export interface ProbeSample {
  atMs: number;
  /** undefined: the ops port did not answer within the probe timeout. */
  ready: boolean | undefined;
  live: boolean | undefined;
  /** The `checks` of /healthz's body: what the stage says holds it back (S3, batches, its loop). */
  checks?: unknown;
}

async function probe(port: number, path: '/readyz' | '/healthz'): Promise<{ ok: boolean; body: string } | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(1_000) });
    return { ok: response.status === 200, body: await response.text() };
  } catch {
    return undefined;
  }
}

function checksOf(body: string | undefined): unknown {
  try {
    return body === undefined ? undefined : (JSON.parse(body) as { checks?: unknown }).checks;
  } catch {
    return undefined;
  }
}

export class HealthProbes {
  readonly samples = new Map<string, ProbeSample[]>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;

  constructor(
    private readonly ports: Record<string, number>,
    private readonly intervalMs = 250,
  ) {
    for (const name of Object.keys(ports)) this.samples.set(name, []);
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.inFlight) return;
      this.inFlight = true;
      void this.sampleAll().finally(() => (this.inFlight = false));
    }, this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async sampleAll(): Promise<void> {
    await Promise.all(
      Object.entries(this.ports).map(async ([name, port]) => {
        const atMs = Date.now();
        const [ready, live] = await Promise.all([probe(port, '/readyz'), probe(port, '/healthz')]);
        this.samples.get(name)!.push({ atMs, ready: ready?.ok, live: live?.ok, checks: checksOf(live?.body) });
      }),
    );
  }

  /** The samples of a stage taken in [fromMs, toMs]. */
  between(name: string, fromMs: number, toMs: number): ProbeSample[] {
    return (this.samples.get(name) ?? []).filter((s) => s.atMs >= fromMs && s.atMs <= toMs);
  }

  /** Whether a sample's /healthz checks name a failing or stalled part (`failing`/`stalled` at any depth). */
  static reportsTrouble(sample: ProbeSample): boolean {
    return /"(failing|stalled)"/.test(JSON.stringify(sample.checks ?? null));
  }

  /** A compact text of what the probes said in a window (`R`eady, `n`ot ready, `L`ive, `d`ead, `?` no answer), for logs. */
  timeline(name: string, fromMs: number, toMs: number): string {
    const show = (v: boolean | undefined, yes: string, no: string): string => (v === undefined ? '?' : v ? yes : no);
    return this.between(name, fromMs, toMs)
      .map((s) => `${show(s.ready, 'R', 'n')}${show(s.live, 'L', 'd')}`)
      .join(' ');
  }
}
