/** Samples of a Prometheus text exposition, summed over labels per metric name (enough for a status line). */
export type MetricTotals = Map<string, number>;

export function parsePrometheusText(text: string): MetricTotals {
  const totals: MetricTotals = new Map();
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const value = Number(match[3]);
    if (!Number.isFinite(value)) continue;
    totals.set(match[1]!, (totals.get(match[1]!) ?? 0) + value);
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
