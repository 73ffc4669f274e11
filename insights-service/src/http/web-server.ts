import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenHttp } from '@spotify-pipeline/shared/metrics';
import type { Logger } from 'pino';
import type { Asset } from './static-assets.js';
import type { InsightsQueries } from './insights-queries.js';
import type { LiveStream } from './live-stream.js';
import { RequestError, RequestParams } from './request-params.js';

/** Periods the live stream computes (minutes): a closed list, so the work per push stays bounded. */
export const STREAM_PERIODS = [15, 60, 360, 1440] as const;

export interface WebRoutes {
  queries: InsightsQueries;
  stream: LiveStream;
  assets: ReadonlyMap<string, Asset>;
  /** The history panel's answer (cached). */
  history: () => Promise<unknown>;
  horizonMinutes: number;
  topCapacity: number;
  logger: Logger;
}

export interface WebServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The live page and its JSON API, on their own port (the ops port serves only /metrics, /healthz
 * and /readyz, and need not be exposed where the page is). GET only; every answer is computed from
 * the windows in memory, except /api/history (the lake, cached).
 */
export async function startWebServer(routes: WebRoutes, port: number, host: string): Promise<WebServer> {
  const server: Server = createServer((req, res) => {
    handle(routes, req, res).catch((err: unknown) => {
      routes.logger.warn({ err, url: req.url }, 'ApiRequestFailed');
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  return listenHttp(server, port, host);
}

async function handle(routes: WebRoutes, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const asset = routes.assets.get(url.pathname === '/index.html' ? '/' : url.pathname);
  if (asset) {
    res.writeHead(200, { 'content-type': asset.contentType, 'cache-control': asset.cacheControl, 'content-length': asset.body.length }).end(req.method === 'HEAD' ? undefined : asset.body);
    return;
  }
  const params = new RequestParams(url.searchParams, routes.horizonMinutes, routes.topCapacity);
  const { queries } = routes;
  try {
    switch (url.pathname) {
      case '/api/stream': {
        const period = params.minutes(60);
        if (!(STREAM_PERIODS as readonly number[]).includes(period)) throw new RequestError(`minutes must be one of ${STREAM_PERIODS.join(', ')} for the live stream`);
        routes.stream.open(res, period);
        return;
      }
      case '/api/live':
        return json(res, 200, queries.live(params.minutes(60), params.limit(10)));
      case '/api/status':
        return json(res, 200, queries.live(1, 1).status);
      case '/api/summary': {
        const { fromMs, toMs } = params.range(queries);
        return json(res, 200, queries.summary(fromMs, toMs));
      }
      case '/api/windows': {
        const { fromMs, toMs } = params.range(queries);
        return json(res, 200, { windows: queries.windows(fromMs, toMs, params.top()) });
      }
      case '/api/top/tracks': {
        const { fromMs, toMs } = params.range(queries);
        return json(res, 200, queries.topTracks(fromMs, toMs, params.limit(10)));
      }
      case '/api/top/artists': {
        const { fromMs, toMs } = params.range(queries);
        return json(res, 200, queries.topArtists(fromMs, toMs, params.limit(10)));
      }
      case '/api/trending':
        return json(res, 200, { tracks: queries.trending(params.minutes(60), params.limit(10)) });
      case '/api/history':
        return json(res, 200, await routes.history());
      default:
        return json(res, 404, { error: `no such page or API: ${url.pathname}` });
    }
  } catch (err) {
    if (err instanceof RequestError) return json(res, 400, { error: err.message });
    throw err;
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) }).end(text);
}
