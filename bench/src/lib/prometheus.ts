/**
 * Reading a service's /metrics (Prometheus text format 0.0.4) the way a dashboard would: samples by
 * name and labels, histogram means and quantiles from cumulative buckets (Prometheus's own
 * `histogram_quantile`: linear within the bucket the rank falls in).
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!.replace(/\\(.)/g, '$1');
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

const matches = (sample: Sample, labels: Record<string, string>): boolean => Object.entries(labels).every(([k, v]) => sample.labels[k] === v);

/** Sum of the samples of a counter or gauge with these labels (all others summed over). */
export function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && matches(s, labels)).reduce((sum, s) => sum + s.value, 0);
}

export interface HistogramView {
  count: number;
  sum: number;
  mean: number;
  /** Cumulative counts by upper bound, +Inf last. */
  buckets: Array<{ le: number; count: number }>;
  quantile(q: number): number;
}

export function histogram(samples: Sample[], name: string, labels: Record<string, string> = {}): HistogramView {
  const count = total(samples, `${name}_count`, labels);
  const sum = total(samples, `${name}_sum`, labels);
  const byBound = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket` || !matches(s, labels)) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    byBound.set(le, (byBound.get(le) ?? 0) + s.value);
  }
  const buckets = [...byBound.entries()].map(([le, c]) => ({ le, count: c })).sort((a, b) => a.le - b.le);
  return {
    count,
    sum,
    mean: count > 0 ? sum / count : Number.NaN,
    buckets,
    quantile(q: number): number {
      if (count === 0) return Number.NaN;
      const rank = q * count;
      let lower = 0;
      let below = 0;
      for (const bucket of buckets) {
        if (bucket.count >= rank) {
          // Past the last finite bound Prometheus answers with that bound: nothing is known above it.
          if (bucket.le === Infinity) return lower;
          const inBucket = bucket.count - below;
          return inBucket > 0 ? lower + (bucket.le - lower) * ((rank - below) / inBucket) : bucket.le;
        }
        lower = bucket.le;
        below = bucket.count;
      }
      return lower;
    },
  };
}
