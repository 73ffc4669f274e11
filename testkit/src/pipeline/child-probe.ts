import { lastLogLine, summarizeLogLine } from './log-tail.js';
import { scrape, type MetricTotals } from './metrics-scrape.js';

/** What the status screen shows for one stage. */
export type StageState =
  /** Our child answers on its port: its own metrics, and whether it calls itself live. */
  | { kind: 'up'; metrics: MetricTotals | undefined; live: boolean }
  /** Our child runs but its ops port does not answer yet (connecting, creating topics). */
  | { kind: 'starting'; sinceMs: number }
  /** Our child is gone, or the port answers for some other process: the reason, in one line. */
  | { kind: 'down'; reason: string };

/** The view of a started child the probe needs (ServiceProcess has it). */
export interface ProbedChild {
  readonly name: string;
  readonly pid: number | undefined;
  readonly running: boolean;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  readonly logFile: string | undefined;
  readonly logOffset: number;
}

export interface ProbeTarget {
  child: ProbedChild;
  /** The ops port the child was told to listen on (HTTP_PORT). */
  port: number;
  /** The id the child was given (PIPELINE_INSTANCE_ID) and must report in /healthz. */
  instanceId: string;
  startedAt: number;
}

/** `consumer-service exited with code 78; last log: <its last line>` */
export function exitReason(child: ProbedChild): string {
  const how = child.signalCode ? `was killed by ${child.signalCode}` : `exited with code ${child.exitCode}`;
  const last = child.logFile ? lastLogLine(child.logFile, child.logOffset) : undefined;
  return `${child.name} ${how}; last log: ${last ? summarizeLogLine(last) : '(nothing written)'}`;
}

type HealthAnswer = { answered: false } | { answered: true; status: number; instanceId: unknown; service: unknown };

async function healthz(port: number, timeoutMs: number): Promise<HealthAnswer> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    text = await res.text();
  } catch {
    // Refused, reset or timed out: nothing (of ours or anyone's) is serving there yet.
    return { answered: false };
  }
  try {
    const body = JSON.parse(text) as { instanceId?: unknown; service?: unknown };
    return { answered: true, status: res.status, instanceId: body.instanceId, service: body.service };
  } catch {
    // Plain text ("ok"): an older build of a service, or another program's health endpoint.
    return { answered: true, status: res.status, instanceId: undefined, service: undefined };
  }
}

/**
 * What one child is doing, checked rather than assumed: a dead child is DOWN with its exit code and
 * last log line; a live one counts only when its port answers with the instance id it was given,
 * because when the child could not bind, whatever else listens there would show healthy numbers
 * that are not ours. Only then are its metrics read.
 */
export async function probeChild(target: ProbeTarget, now = Date.now(), timeoutMs = 2_000): Promise<StageState> {
  const { child, port, instanceId } = target;
  if (!child.running) return { kind: 'down', reason: exitReason(child) };
  const answer = await healthz(port, timeoutMs);
  if (!answer.answered) {
    // It may have died while we asked: report the death, not a slow start.
    if (!child.running) return { kind: 'down', reason: exitReason(child) };
    return { kind: 'starting', sinceMs: now - target.startedAt };
  }
  if (answer.instanceId !== instanceId) {
    const who = typeof answer.service === 'string' ? `${answer.service} instance ${String(answer.instanceId)}` : 'a process that is not one of ours';
    return { kind: 'down', reason: `port ${port} answers for ${who}, not the ${child.name} started here (pid ${child.pid}, still running)` };
  }
  const metrics = await scrape(port);
  return { kind: 'up', metrics, live: answer.status === 200 };
}
