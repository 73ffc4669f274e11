import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { finding, type Finding } from './findings.js';

const run = promisify(execFile);

/** A rendered Kubernetes object and the chart template it came from. */
export interface RenderedObject {
  source: string;
  object: { apiVersion: string; kind: string; metadata: { name: string; [key: string]: unknown }; [key: string]: unknown };
}

export interface RenderResult {
  objects: RenderedObject[];
  findings: Finding[];
}

/**
 * `helm lint --strict` then `helm template` for one values set. Both enforce values.schema.json and
 * the chart's own `fail` checks; lint also catches template mistakes that happen to render. The
 * release namespace is fixed so the output is the same on every machine.
 */
export async function renderChart(helm: string, chartDir: string, valuesFiles: readonly string[], label: string): Promise<RenderResult> {
  const check = `helm (${label})`;
  const valuesArgs = valuesFiles.flatMap((file) => ['--values', file]);
  const lint = await runHelm(helm, ['lint', '--strict', chartDir, ...valuesArgs]);
  if (lint.code !== 0) {
    return { objects: [], findings: [finding(check, chartDir, `helm lint failed:\n${indent(lint.output)}`)] };
  }
  const template = await runHelm(helm, ['template', 'pipeline', chartDir, '--namespace', 'spotify-pipeline', ...valuesArgs]);
  if (template.code !== 0) {
    return { objects: [], findings: [finding(check, chartDir, `helm template failed:\n${indent(template.output)}`)] };
  }
  return parseManifests(template.stdout, check, chartDir);
}

/** Splits multi-document YAML (helm's output, or any rendered manifests) into objects. */
export function parseManifests(text: string, check: string, chartDir: string): RenderResult {
  const objects: RenderedObject[] = [];
  const findings: Finding[] = [];
  for (const document of parseAllDocuments(text)) {
    // helm writes `# Source: <chart>/templates/<file>` above each object; the parser attaches it to
    // the document or to its first node, depending on what precedes it.
    const comment = `${document.commentBefore ?? ''}\n${document.contents?.commentBefore ?? ''}`;
    const template = /^ ?Source: (.+)$/m.exec(comment)?.[1];
    const source = template ? path.join(path.dirname(chartDir), template) : chartDir;
    if (document.errors.length > 0) {
      findings.push(finding(check, source, `rendered YAML does not parse: ${document.errors[0]?.message}`));
      continue;
    }
    const object = document.toJS() as RenderedObject['object'] | null;
    if (object === null) continue;
    if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string' || typeof object.metadata?.name !== 'string') {
      findings.push(finding(check, source, 'rendered object lacks apiVersion, kind or metadata.name'));
      continue;
    }
    objects.push({ source, object });
  }
  return { objects, findings };
}

async function runHelm(helm: string, args: string[]): Promise<{ code: number; stdout: string; output: string }> {
  try {
    const { stdout, stderr } = await run(helm, args, { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, HELM_CACHE_HOME: path.join(path.dirname(helm), 'cache') } });
    return { code: 0, stdout, output: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', output: `${failed.stdout ?? ''}${failed.stderr ?? ''}`.trim() };
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => `    ${line}`)
    .join('\n');
}
