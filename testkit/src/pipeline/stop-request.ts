/** The signals that ask `npm start` to stop: Ctrl-C, `kill`, and the terminal closing. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export type StopSignal = (typeof STOP_SIGNALS)[number];

export interface StopSignalSource {
  on(signal: StopSignal, listener: () => void): unknown;
}

export interface StopHandlers {
  /** The first request: drain the services in order. */
  stop(signal: StopSignal): void;
  /** A later, separate request while draining: the person wants out now. */
  force(signal: StopSignal): void;
}

/**
 * Turns stop signals into one stop and, later, a forced stop. The services run in their own process
 * groups, so only the supervisor hears the terminal: every one of these signals must be handled
 * (SIGHUP included, or closing the terminal would kill the supervisor and leave the services running).
 *
 * A repeat within `sameRequestMs` of the first is the same request: under `npm start` one Ctrl-C
 * can arrive twice, once from the terminal (it signals the whole foreground group) and once
 * forwarded by npm, when npm's script shell execs the command (bash does, so macOS's sh does;
 * dash stays in between and swallows npm's copy). Counting that as a second Ctrl-C would SIGKILL
 * every service mid-drain; under the old `process.once` it killed the supervisor and orphaned them.
 */
export function onStopRequest(source: StopSignalSource, handlers: StopHandlers, sameRequestMs = 1_000, now: () => number = Date.now): void {
  let firstAt: number | undefined;
  let forced = false;
  for (const signal of STOP_SIGNALS) {
    source.on(signal, () => {
      const at = now();
      if (firstAt === undefined) {
        firstAt = at;
        handlers.stop(signal);
      } else if (!forced && at - firstAt >= sameRequestMs) {
        forced = true;
        handlers.force(signal);
      }
    });
  }
}
