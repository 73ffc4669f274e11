import type { Logger } from 'pino';
import { errorMessage } from '../errors/index.js';

export interface ShutdownStep {
  name: string;
  run: () => Promise<void> | void;
  /** Per-step deadline; a step that hangs must not keep the pod from exiting. */
  timeoutMs?: number;
}

/**
 * Runs shutdown steps in the documented order (readiness off → stop fetching → flush or abandon →
 * await uploads → commit → leave the group → close clients → flush logs). Every step runs even if
 * an earlier one failed; the result says whether all succeeded so main.ts picks the exit code.
 */
export async function runShutdown(steps: ShutdownStep[], logger: Logger, defaultTimeoutMs = 30_000): Promise<boolean> {
  let clean = true;
  for (const step of steps) {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(step.run),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${step.timeoutMs ?? defaultTimeoutMs} ms`)), step.timeoutMs ?? defaultTimeoutMs);
        }),
      ]);
      logger.debug({ step: step.name, ms: Date.now() - started }, 'ShutdownStepCompleted');
    } catch (err) {
      clean = false;
      logger.error({ step: step.name, err, reason: errorMessage(err) }, 'ShutdownStepFailed');
    } finally {
      clearTimeout(timer);
    }
  }
  return clean;
}

