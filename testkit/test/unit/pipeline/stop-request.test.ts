import { EventEmitter } from 'node:events';
import { onStopRequest, type StopSignal } from '../../../src/pipeline/stop-request';

describe('stop requests to npm start', () => {
  function setup(): { send(signal: StopSignal, atMs: number): void; stops: string[]; forces: string[] } {
    const source = new EventEmitter();
    let clock = 0;
    const stops: string[] = [];
    const forces: string[] = [];
    onStopRequest(source, { stop: (s) => stops.push(s), force: (s) => forces.push(s) }, 1_000, () => clock);
    return {
      send: (signal, atMs) => {
        clock = atMs;
        source.emit(signal);
      },
      stops,
      forces,
    };
  }

  it('takes the same Ctrl-C delivered twice (terminal and npm) as one stop, not a forced one', () => {
    const { send, stops, forces } = setup();
    send('SIGINT', 10_000);
    send('SIGINT', 10_005);
    expect(stops).toEqual(['SIGINT']);
    expect(forces).toEqual([]);
  });

  it('forces once on a later, separate request while draining', () => {
    const { send, stops, forces } = setup();
    send('SIGTERM', 10_000);
    send('SIGINT', 12_000);
    send('SIGINT', 13_000);
    expect(stops).toEqual(['SIGTERM']);
    expect(forces).toEqual(['SIGINT']);
  });

  it('stops on SIGHUP too, so closing the terminal does not leave the services running', () => {
    const { send, stops } = setup();
    send('SIGHUP', 0);
    expect(stops).toEqual(['SIGHUP']);
  });
});
