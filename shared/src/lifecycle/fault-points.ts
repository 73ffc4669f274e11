import { PipelineError } from '../errors/index.js';

/**
 * Crash points for failure tests: the environment variable `PIPELINE_FAULT_POINTS` names points in
 * the code, each with the hit on which the process SIGKILLs itself (`catalog.after-commit@2`: the
 * second time an Iceberg commit has landed, before its Kafka offsets). A test can then kill a
 * service exactly between two steps instead of hoping a timed kill lands there. Unset in
 * production, where every point costs one Map lookup.
 */
export interface FaultPoints {
  reach(point: string): void;
}

export const NO_FAULT_POINTS: FaultPoints = { reach: () => undefined };

/** `spec`: comma-separated `<point>@<hit>` (hit 1 when omitted). */
export function faultPoints(spec: string | undefined, kill: () => void): FaultPoints {
  if (!spec?.trim()) return NO_FAULT_POINTS;
  const armed = new Map<string, number>();
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [point, hit] = part.split('@') as [string, string | undefined];
    const n = hit === undefined ? 1 : Number(hit);
    if (!Number.isInteger(n) || n < 1) {
      throw new PipelineError('CONFIG_INVALID', `Invalid configuration: PIPELINE_FAULT_POINTS=${JSON.stringify(spec)} is invalid: ${part} is not <point>@<hit number>. Fix: set PIPELINE_FAULT_POINTS to comma-separated <point>@<hit>, e.g. catalog.after-commit@2, or unset it.`);
    }
    armed.set(point, n);
  }
  const hits = new Map<string, number>();
  return {
    reach(point: string): void {
      const at = armed.get(point);
      if (at === undefined) return;
      const hit = (hits.get(point) ?? 0) + 1;
      hits.set(point, hit);
      if (hit === at) kill();
    },
  };
}
