/**
 * Samples of a Prometheus text exposition, summed over labels per metric name (enough for a status
 * line); `name{label="value"}` keys hold the sum of the series carrying that label too.
 */
export type MetricTotals = Map<string, number>;

export function parsePrometheusText(text: string): MetricTotals {
  const totals: MetricTotals = new Map();
  const add = (key: string, value: number): void => void totals.set(key, (totals.get(key) ?? 0) + value);
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const value = Number(match[3]);
    if (!Number.isFinite(value)) continue;
    add(match[1]!, value);
    for (const label of (match[2] ?? '').slice(1, -1).match(/[a-zA-Z_]+="[^"]*"/g) ?? []) add(`${match[1]}{${label}}`, value);
  }
  return totals;
}

/** Fetches /metrics; an unreachable service reads as no samples rather than an error. */
export async function scrape(port: number): Promise<MetricTotals | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? parsePrometheusText(await res.text()) : undefined;
  } catch {
    // Down or restarting: the status screen shows it as down.
    return undefined;
  }
}
