import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { finding, type Finding } from './findings.js';
import { PIPELINE_SERVICES } from './services.js';

/**
 * Every `pipeline_*` metric that a dashboard, the CloudWatch agent config, a scaler or an alarm
 * example names must be one a service registers: a renamed metric otherwise leaves a flat panel, an
 * alarm that never fires, or a scaler stuck at its minimum, and nothing else would notice.
 */
const METRIC = /\bpipeline_[a-z0-9_]+/g;
const HISTOGRAM_SERIES = /_(bucket|sum|count)$/;

/** Metric names registered in the services' sources (`name: '...'`, with `const PREFIX = '...'` expanded). */
export function registeredMetricNames(repoRoot: string): Set<string> {
  const names = new Set<string>();
  for (const { name } of PIPELINE_SERVICES) {
    for (const file of sourceFiles(path.join(repoRoot, name, 'src'))) {
      const text = readFileSync(file, 'utf8');
      const constants = new Map<string, string>();
      for (const [, constant = '', value = ''] of text.matchAll(/const (\w+) = '(pipeline_[a-z0-9_]+)'/g)) constants.set(constant, value);
      for (const [, literal = ''] of text.matchAll(/name:\s*['`]([^'`]+)['`]/g)) {
        const expanded = literal.replace(/\$\{(\w+)\}/g, (whole, constant: string) => constants.get(constant) ?? whole);
        if (/^pipeline_[a-z0-9_]+$/.test(expanded)) names.add(expanded);
      }
    }
  }
  return names;
}

export function checkMetricReferences(repoRoot: string, files: readonly string[]): { covered: number; findings: Finding[] } {
  const registered = registeredMetricNames(repoRoot);
  const findings: Finding[] = [];
  let covered = 0;
  for (const file of files) {
    if (!existsSync(file)) {
      findings.push(finding('metric names', file, 'missing'));
      continue;
    }
    const referenced = new Set([...readFileSync(file, 'utf8').matchAll(METRIC)].map(([name]) => name.replace(HISTOGRAM_SERIES, '')));
    for (const name of referenced) {
      // Prefix patterns in the agent's selectors (pipeline_[a-z_]+) are not names.
      if (name.endsWith('_')) continue;
      covered += 1;
      if (!registered.has(name)) findings.push(finding('metric names', file, `${name} is not registered by any service`));
    }
  }
  return { covered, findings };
}

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}
