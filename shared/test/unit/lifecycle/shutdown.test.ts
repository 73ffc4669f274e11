import { Writable } from 'node:stream';
import { EventEmitter } from 'node:events';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { onTerminationSignal, runShutdown } from '@spotify-pipeline/shared/lifecycle';

const silent = createLogger({ service: 'test', level: 'silent' }, new Writable({ write: (_c, _e, d) => d() }));

describe('runShutdown', () => {
  it('runs every step in order even after a failure, and reports the failure', async () => {
    const order: string[] = [];
    const clean = await runShutdown(
      [
        { name: 'readiness off', run: () => void order.push('readiness') },
        { name: 'flush', run: async () => { order.push('flush'); throw new Error('S3 down'); } },
        { name: 'close clients', run: () => void order.push('close') },
      ],
      silent,
    );
    expect(order).toEqual(['readiness', 'flush', 'close']);
    expect(clean).toBe(false);
  });

  it('does not let a hanging step block the exit', async () => {
    const clean = await runShutdown([{ name: 'hangs', run: () => new Promise<void>(() => undefined), timeoutMs: 20 }], silent);
    expect(clean).toBe(false);
  });
});

describe('onTerminationSignal', () => {
  it('shuts down on the first signal and forces on the second', () => {
    const source = new EventEmitter();
    const calls: string[] = [];
    onTerminationSignal(source as never, (s) => calls.push(`shutdown:${s}`), () => calls.push('force'));
    source.emit('SIGTERM');
    expect(calls).toEqual(['shutdown:SIGTERM']);
    source.emit('SIGINT');
    expect(calls).toEqual(['shutdown:SIGTERM', 'force']);
  });
});
