/**
 * The one contract between a benchmark and `npm run bench`: each benchmark prints its human table,
 * then one `BENCH_RESULT <json>` line that the runner collects into bench/RESULTS.md.
 */
export interface BenchFigure {
  /** What is measured, e.g. "events/s" or "MB/s". */
  metric: string;
  value: number;
  /** The same metric for the baseline measured in the same run. */
  baseline: number;
  /** value / baseline (for throughput; the runner does not invent ratios). */
  ratio: number;
  /** The target the issue set, as text, e.g. "≥ 150,000 events/s, ratio ≥ 0.7". */
  target?: string;
}

export interface BenchResult {
  name: string;
  /** What "ours" is and what the baseline is, in a sentence. */
  description: string;
  baselineLabel: string;
  figures: BenchFigure[];
  peakRssMb: number;
  /** Anything a reader needs to interpret the figures (sizes, settings). */
  notes?: string[];
}

export const RESULT_PREFIX = 'BENCH_RESULT ';

export function reportResult(result: BenchResult): void {
  console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
}

/** Peak resident set size of this process so far, from the kernel's own high-water mark. */
export function peakRssMb(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}

export function ratio(value: number, baseline: number): number {
  return baseline > 0 ? Math.round((value / baseline) * 1000) / 1000 : 0;
}
