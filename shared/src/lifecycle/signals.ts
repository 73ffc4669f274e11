export interface SignalSource {
  on(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
}

/**
 * Calls `shutdown` on the first SIGTERM or SIGINT; a second signal calls `onForce` (exit now, for
 * an operator pressing Ctrl-C twice). Takes the process as a parameter so only main.ts touches it.
 */
export function onTerminationSignal(source: SignalSource, shutdown: (signal: string) => void, onForce: () => void): void {
  let received = 0;
  const handler = (signal: string) => (): void => {
    received += 1;
    if (received === 1) shutdown(signal);
    else onForce();
  };
  source.on('SIGTERM', handler('SIGTERM'));
  source.on('SIGINT', handler('SIGINT'));
}
