import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface Asset {
  body: Buffer;
  contentType: string;
  /** Cache-Control: the page itself is revalidated, the pinned chart library may be cached. */
  cacheControl: string;
}

/** The page's files, shipped in the package (`web/`, beside `dist/` and `src/`). */
const WEB_DIR = join(__dirname, '..', '..', 'web');

/**
 * Everything the page loads, read once at start and served from memory: the HTML, its script and
 * style, and Chart.js straight from this package's node_modules (the UMD build the npm package
 * ships, license banner included). Nothing comes from a CDN, so the page works offline and behind
 * a proxy that blocks one.
 */
export function loadAssets(): Map<string, Asset> {
  const page = (file: string, contentType: string): Asset => ({ body: readFileSync(join(WEB_DIR, file)), contentType, cacheControl: 'no-cache' });
  const chartJs = join(dirname(require.resolve('chart.js')), 'chart.umd.min.js');
  return new Map([
    ['/', page('index.html', 'text/html; charset=utf-8')],
    ['/assets/insights.js', page('insights.js', 'text/javascript; charset=utf-8')],
    ['/assets/insights.css', page('insights.css', 'text/css; charset=utf-8')],
    ['/assets/chart.umd.min.js', { body: readFileSync(chartJs), contentType: 'text/javascript; charset=utf-8', cacheControl: 'public, max-age=86400' }],
  ]);
}
