import { randomBytes } from 'node:crypto';
import { Agent, createServer, request as upstreamRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What a fault sees of a request before deciding: enough to aim it at one operation or one bucket. */
export interface ProxiedRequest {
  method: string;
  /** Path and query as the client sent them, e.g. `/bucket/key?x-id=GetObject`. */
  path: string;
  headers: IncomingHttpHeaders;
}

export type RequestMatcher = (request: ProxiedRequest) => boolean;

/** Which requests a fault applies to, and for how long; with neither bound it lasts until lifted. */
export interface FaultScope {
  /** Only requests this matches (default: every request). */
  match?: RequestMatcher;
  /** Lifts by itself after this many matching requests. */
  requests?: number;
  /** Lifts by itself this many ms after it was switched on. */
  forMs?: number;
}

/**
 * Where a connection reset happens:
 * - `request`: as soon as the request arrives (nothing forwarded; the client sees ECONNRESET);
 * - `after-upstream`: the request is forwarded and answered upstream, then the client's connection is
 *   reset instead of answered (a write that landed with its answer lost: the outcome is unknown);
 * - `mid-response`: status, headers and part of the body are sent, then the connection is reset.
 */
export type ResetPoint = 'request' | 'after-upstream' | 'mid-response';

export type FaultKind = 'latency' | 'error' | 'reset' | 'blackhole';

/** A fault switched on; `hits` counts the requests it acted on. */
export interface Fault {
  readonly kind: FaultKind;
  readonly hits: number;
  readonly active: boolean;
  lift(): void;
}

/** The body of an error answer, in the upstream's own dialect (S3 XML, Iceberg REST JSON). */
export type ErrorBody = (error: { status: number; code: string; message: string; method: string }) => { contentType: string; body: string };

export interface FaultProxyOptions {
  /** The server behind the proxy, e.g. http://127.0.0.1:9000. */
  upstream: string;
  /** Port to listen on (default: a free one). */
  port?: number;
  errorBody: ErrorBody;
}

export interface FaultProxyStats {
  forwarded: number;
  delayed: number;
  errors: number;
  resets: number;
  blackholed: number;
}

/** Connection-level headers belong to one hop; everything else (Host and the signed ones) passes unchanged. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'upgrade', 'expect']);

interface Rule {
  kind: FaultKind;
  scope: FaultScope;
  until: number;
  hits: number;
  lifted: boolean;
  delayMs?: number;
  error?: { status: number; code: string; message: string; afterUpstream: boolean };
  resetAt?: ResetPoint;
}

/**
 * An HTTP proxy for tests that forwards every request unchanged (the Host header as the client
 * sent it, since SigV4 signs it and S3 servers check it) and misbehaves on demand, switched at
 * runtime: added latency, error answers (a 503 burst), connection resets, and a blackhole that
 * accepts requests and never answers. Faults stack: latencies add up, and of the other kinds the
 * most recently switched-on one that matches a request decides its fate.
 */
export class FaultProxy {
  private readonly rules: Rule[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly held = new Set<ServerResponse>();
  private readonly open = new Set<ServerResponse>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly upstream: URL;
  readonly stats: FaultProxyStats = { forwarded: 0, delayed: 0, errors: 0, resets: 0, blackholed: 0 };

  protected constructor(
    private readonly server: Server,
    private readonly options: FaultProxyOptions,
  ) {
    this.upstream = new URL(options.upstream);
  }

  protected static async listen<P extends FaultProxy>(make: (server: Server) => P, port = 0): Promise<P> {
    const server = createServer();
    const proxy = make(server);
    server.on('connection', (socket) => {
      proxy.sockets.add(socket);
      socket.once('close', () => proxy.sockets.delete(socket));
    });
    server.on('request', (req, res) => proxy.handle(req, res, false));
    // Answered by us, not by Node: a blackholed or refused upload must not get its 100 Continue.
    server.on('checkContinue', (req, res) => proxy.handle(req, res, true));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** Requests accepted and not yet answered in full (blackholed ones included): what clients are waiting on. */
  get pending(): Array<{ method: string; path: string; ageMs: number }> {
    const now = Date.now();
    return [...this.open].map((res) => {
      const meta = res as ServerResponse & { faultProxy?: { method: string; path: string; atMs: number } };
      return { method: meta.faultProxy?.method ?? '?', path: meta.faultProxy?.path ?? '?', ageMs: now - (meta.faultProxy?.atMs ?? now) };
    });
  }

  /** The proxy's base URL, to hand to clients in place of the upstream's. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Adds `delayMs` before each matching request is handled (latencies of overlapping faults add up). */
  delay(delayMs: number, scope: FaultScope = {}): Fault {
    return this.add({ kind: 'latency', scope, delayMs });
  }

  /**
   * Answers matching requests with this HTTP status and error code, in the upstream's dialect.
   * `afterUpstream`: the request is forwarded and applied first, and only its answer is replaced
   * (a commit that landed, reported as failed).
   */
  fail(status: number, code: string, message: string, scope: FaultScope & { afterUpstream?: boolean } = {}): Fault {
    return this.add({ kind: 'error', scope, error: { status, code, message, afterUpstream: scope.afterUpstream ?? false } });
  }

  /** Resets (RST) the client's connection at `at` instead of answering. */
  reset(scope: FaultScope & { at?: ResetPoint } = {}): Fault {
    return this.add({ kind: 'reset', scope, resetAt: scope.at ?? 'request' });
  }

  /** Accepts matching requests and never answers them (the client's own timeout is all that ends them). */
  blackhole(scope: FaultScope = {}): Fault {
    return this.add({ kind: 'blackhole', scope });
  }

  /** Lifts every fault. Requests already held by a blackhole stay unanswered. */
  clear(): void {
    for (const rule of this.rules) rule.lifted = true;
    this.rules.length = 0;
  }

  /** Stops listening and drops every connection, held ones included. */
  async close(): Promise<void> {
    this.clear();
    for (const res of this.held) res.destroy();
    for (const socket of this.sockets) socket.destroy();
    this.agent.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private add(init: Omit<Rule, 'until' | 'hits' | 'lifted'>): Fault {
    // Spent faults are forgotten, so a long test switching many on and off keeps a short list.
    const now = Date.now();
    for (let i = this.rules.length - 1; i >= 0; i--) {
      const r = this.rules[i]!;
      if (r.lifted || now >= r.until || (r.scope.requests !== undefined && r.hits >= r.scope.requests)) this.rules.splice(i, 1);
    }
    const rule: Rule = { ...init, until: init.scope.forMs === undefined ? Infinity : Date.now() + init.scope.forMs, hits: 0, lifted: false };
    this.rules.push(rule);
    const isActive = (): boolean => !rule.lifted && Date.now() < rule.until && (rule.scope.requests === undefined || rule.hits < rule.scope.requests);
    return {
      kind: rule.kind,
      get hits() {
        return rule.hits;
      },
      get active() {
        return isActive();
      },
      lift: () => {
        rule.lifted = true;
      },
    };
  }

  /** The rules of these kinds that are active and match the request, oldest first. */
  private matching(kinds: FaultKind[], request: ProxiedRequest): Rule[] {
    const now = Date.now();
    return this.rules.filter(
      (r) => kinds.includes(r.kind) && !r.lifted && now < r.until && (r.scope.requests === undefined || r.hits < r.scope.requests) && (r.scope.match?.(request) ?? true),
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): Promise<void> {
    const request: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers };
    (res as ServerResponse & { faultProxy?: unknown }).faultProxy = { method: request.method, path: request.path, atMs: Date.now() };
    this.open.add(res);
    res.once('close', () => this.open.delete(res));
    const delays = this.matching(['latency'], request);
    for (const rule of delays) rule.hits++;
    if (delays.length > 0) {
      this.stats.delayed++;
      await new Promise((resolve) => setTimeout(resolve, delays.reduce((sum, r) => sum + (r.delayMs ?? 0), 0)));
      if (req.destroyed) return;
    }
    // Of the faults that end a request, the newest that matches decides (and only it counts a hit).
    const terminal = this.matching(['error', 'reset', 'blackhole'], request).at(-1);
    if (!terminal) return this.forward(req, res, expectsContinue);
    terminal.hits++;
    if (terminal.kind === 'blackhole') {
      this.stats.blackholed++;
      this.held.add(res);
      res.once('close', () => this.held.delete(res));
      // Read and discard the body (a large upload must not stall on TCP buffers), answer nothing.
      req.resume();
      return;
    }
    if (terminal.kind === 'error') {
      this.stats.errors++;
      const { status, code, message, afterUpstream } = terminal.error!;
      const { contentType, body } = this.options.errorBody({ status, code, message, method: request.method });
      const answer = (): void => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'x-amz-request-id': requestId() });
        res.end(request.method === 'HEAD' ? undefined : body);
      };
      if (afterUpstream) return this.forward(req, res, expectsContinue, { replaceAnswer: answer });
      // An upload that waits for 100 Continue gets its answer at once (its body is never sent);
      // otherwise the body is read first, as a server would, so the answer is not cut off mid-upload.
      if (expectsContinue) return answer();
      req.resume();
      req.once('end', answer);
      return;
    }
    this.stats.resets++;
    if (terminal.resetAt === 'request') return resetSocket(req.socket);
    return this.forward(req, res, expectsContinue, { resetAt: terminal.resetAt });
  }

  /** Passes the request upstream; `resetAt` or `replaceAnswer` spoil what comes back. */
  private forward(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean, spoil: { resetAt?: ResetPoint; replaceAnswer?: () => void } = {}): void {
    const { resetAt, replaceAnswer } = spoil;
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
    const upstream = upstreamRequest({
      protocol: this.upstream.protocol,
      hostname: this.upstream.hostname,
      port: this.upstream.port,
      method: req.method,
      path: req.url,
      headers,
      // The client's Host header goes upstream unchanged: SigV4 signs it.
      setHost: false,
      agent: this.agent,
    });
    upstream.on('response', (answer) => {
      if (resetAt === 'after-upstream' || replaceAnswer) {
        answer.resume();
        answer.once('end', () => (replaceAnswer ? replaceAnswer() : resetSocket(req.socket)));
        return;
      }
      const out: OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(name) && name !== 'transfer-encoding' && value !== undefined) out[name] = value;
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
      if (resetAt === 'mid-response') {
        // Part of the body (half of it, or one byte when the length is not announced), then the reset.
        const cut = Math.max(1, Math.floor(Number(answer.headers['content-length'] ?? 0) / 2));
        let sent = 0;
        answer.on('data', (chunk: Buffer) => {
          if (sent >= cut) return;
          const part = chunk.subarray(0, cut - sent);
          sent += part.length;
          res.write(part, () => (sent >= cut ? resetSocket(req.socket) : undefined));
        });
        answer.once('end', () => resetSocket(req.socket));
        return;
      }
      this.stats.forwarded++;
      answer.pipe(res);
    });
    upstream.on('error', () => {
      // The upstream itself failed (down, reset): the client sees a 502 or, mid-answer, a cut connection.
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('upstream unreachable');
      else res.destroy();
    });
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    if (expectsContinue) res.writeContinue();
    req.pipe(upstream);
  }
}

/** RST rather than FIN: the client sees ECONNRESET, exactly like a load balancer dropping it. */
function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  socket.resetAndDestroy();
}

function requestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}
