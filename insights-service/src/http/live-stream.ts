import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';

export interface LiveStreamOptions {
  pushIntervalMs: number;
  maxClients: number;
  /** A client whose socket holds more unsent bytes than this is too slow to follow: it is dropped. */
  maxBufferedBytes: number;
}

interface Client {
  response: ServerResponse;
  period: number;
}

/**
 * The live page's Server-Sent Events: every push interval, one payload per period that some open
 * page watches (computed once, however many pages watch it), written to each stream. Bounded: at
 * most maxClients streams, and a stream that stops reading is closed instead of buffering without
 * end. EventSource reconnects by itself after a drop; the page shows the gap as "disconnected".
 */
export class LiveStream {
  private readonly clients = new Set<Client>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: LiveStreamOptions,
    private readonly payload: (period: number) => unknown,
    private readonly onClientCount: (count: number) => void,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  /** Takes over `response` as an event stream; false (and 503) when the stream limit is reached. */
  open(response: ServerResponse, period: number): boolean {
    if (this.clients.size >= this.options.maxClients) {
      response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '5' }).end(`${JSON.stringify({ error: `at most ${this.options.maxClients} live streams are served at once` })}\n`);
      return false;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    // A reconnecting page retries after 2 s; the first data comes at once, not after a push interval.
    response.write(`retry: 2000\n\n`);
    const client: Client = { response, period };
    this.clients.add(client);
    this.onClientCount(this.clients.size);
    response.on('close', () => {
      this.clients.delete(client);
      this.onClientCount(this.clients.size);
    });
    this.send([client], this.serialise(period));
    return true;
  }

  start(): void {
    this.timer ??= setInterval(() => this.push(), this.options.pushIntervalMs);
    this.timer.unref();
  }

  /** Ends every stream (shutdown): pages see the drop and say so. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const client of this.clients) client.response.end();
    this.clients.clear();
    this.onClientCount(0);
  }

  push(): void {
    if (this.clients.size === 0) return;
    const byPeriod = new Map<number, Client[]>();
    for (const client of this.clients) {
      const group = byPeriod.get(client.period);
      if (group) group.push(client);
      else byPeriod.set(client.period, [client]);
    }
    for (const [period, group] of byPeriod) {
      let data: string;
      try {
        data = this.serialise(period);
      } catch (err) {
        this.logger.warn({ err, period }, 'LivePayloadFailed');
        continue;
      }
      this.send(group, data);
    }
  }

  private serialise(period: number): string {
    return `event: live\ndata: ${JSON.stringify(this.payload(period))}\n\n`;
  }

  private send(clients: readonly Client[], data: string): void {
    for (const client of clients) {
      if (client.response.writableLength > this.options.maxBufferedBytes) {
        this.logger.info({ bufferedBytes: client.response.writableLength }, 'SlowStreamDropped');
        client.response.destroy();
        continue;
      }
      client.response.write(data);
    }
  }
}
