import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { validate } from 'dockerfile-utils';
import { finding, type Finding } from './findings.js';
import { PIPELINE_SERVICES } from './services.js';

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/**
 * The repository's one Dockerfile, built once per service with `--build-arg SERVICE=<name>
 * --build-arg HTTP_PORT=<port>`: syntax (dockerfile-utils, the VS Code Docker linter), then each
 * instance (the build args substituted as docker would) against the image contract: a Node LTS slim
 * base, production dependencies of that workspace only, a non-root user, a HEALTHCHECK on /healthz,
 * the service's port, and node started in exec form so SIGTERM reaches it.
 */
export function checkDockerfiles(repoRoot: string): { covered: number; findings: Finding[] } {
  const file = path.join(repoRoot, 'Dockerfile');
  if (!existsSync(file)) return { covered: 0, findings: [finding('dockerfile', file, 'missing')] };
  const template = readFileSync(file, 'utf8');
  // Syntax is checked on each instance below (as docker parses it, with the args in place).
  const findings = stagesMissingArgs(template).map((problem) => finding('dockerfile contract', file, problem));
  for (const { name, port } of PIPELINE_SERVICES) {
    const instance = instantiateDockerfile(template, { SERVICE: name, HTTP_PORT: String(port) });
    const where = `${file} (SERVICE=${name})`;
    findings.push(...checkDockerfile(where, instance, name, port));
    for (const workspace of workspaceDependencies(repoRoot, name).filter((w) => !copiesSources(instance, w))) {
      findings.push(finding('dockerfile contract', where, `${name} imports the ${workspace} workspace: the build stage must COPY ${workspace}/tsconfig.json and ${workspace}/src, or tsc -b cannot compile it`));
    }
  }
  return { covered: PIPELINE_SERVICES.length, findings };
}

/** The repository's workspaces a service depends on besides shared (insights-service: etl-worker and catalog-sync). */
function workspaceDependencies(repoRoot: string, service: string): string[] {
  const manifest = path.join(repoRoot, service, 'package.json');
  if (!existsSync(manifest)) return [];
  const dependencies = Object.keys((JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {});
  return dependencies.filter((d) => d.startsWith('@spotify-pipeline/') && d !== '@spotify-pipeline/shared').map((d) => d.slice('@spotify-pipeline/'.length));
}

/** Whether some stage copies a workspace's tsconfig and sources (as `COPY <w>/src ...` or the whole folder). */
function copiesSources(content: string, workspace: string): boolean {
  const copies = parseInstructions(content).filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from')).map((i) => i.args.split(/\s+/).slice(0, -1));
  const copied = (file: string) => copies.some((sources) => sources.some((s) => s.replace(/\/$/, '') === workspace || s.replace(/\/$/, '') === `${workspace}/${file}`));
  return copied('tsconfig.json') && copied('src');
}

/** The Dockerfile as docker sees it with these build args: `${NAME}` and `$NAME` replaced. */
export function instantiateDockerfile(template: string, args: Record<string, string>): string {
  let content = template;
  for (const [name, value] of Object.entries(args)) content = content.replaceAll(`\${${name}}`, value).replace(new RegExp(`\\$${name}\\b`, 'g'), value);
  return content;
}

/** A build arg is empty in a stage that does not declare it: every stage after a FROM must `ARG SERVICE`. */
function stagesMissingArgs(template: string): string[] {
  const problems: string[] = [];
  const stages = parseInstructions(template).reduce<Instruction[][]>((all, i) => {
    if (i.keyword === 'FROM') all.push([]);
    all.at(-1)?.push(i);
    return all;
  }, []);
  for (const stage of stages) {
    const declared = new Set(stage.filter((i) => i.keyword === 'ARG').map((i) => i.args.split('=')[0]));
    const used = ['SERVICE', 'HTTP_PORT'].filter((name) => stage.some((i) => i.keyword !== 'FROM' && new RegExp(`\\$\\{?${name}\\b`).test(i.args)));
    for (const name of used) if (!declared.has(name)) problems.push(`stage "${stage[0]!.args}" uses \${${name}} without declaring ARG ${name} (it would be empty)`);
  }
  return problems;
}

export function checkDockerfile(file: string, content: string, service: string, port: number): Finding[] {
  const findings = validate(content).map((d) => finding('dockerfile syntax', file, `line ${d.range.start.line + 1}: ${d.message}`));
  const problem = (message: string) => findings.push(finding('dockerfile contract', file, message));
  const instructions = parseInstructions(content);
  const lastFrom = instructions.map((i) => i.keyword).lastIndexOf('FROM');
  const runtime = instructions.slice(lastFrom);
  const all = (keyword: string) => runtime.filter((i) => i.keyword === keyword);

  const baseArg = instructions.find((i) => i.keyword === 'ARG' && i.args.startsWith('NODE_IMAGE='));
  const base = /^NODE_IMAGE=node:(\d+)-[a-z]+-slim$/.exec(baseArg?.args ?? '');
  if (!base || Number(base[1]) < 22 || Number(base[1]) % 2 !== 0) problem('base must be a current Node LTS slim image: ARG NODE_IMAGE=node:<even major ≥ 22>-<debian>-slim');
  if (!instructions.some((i) => i.keyword === 'RUN' && /npm ci\b.*--omit=dev/.test(i.args) && i.args.includes(`-w ${service}`))) {
    problem(`production dependencies must come from \`npm ci --omit=dev ... -w ${service}\``);
  }
  const user = all('USER').at(-1)?.args.split(':')[0];
  if (!user || user === 'root' || user === '0') problem('the runtime stage must switch to a non-root USER');
  else if (!/^\d+$/.test(user)) problem(`USER ${user} should be numeric so Kubernetes runAsNonRoot can verify it`);
  const healthcheck = all('HEALTHCHECK').at(-1);
  if (!healthcheck || !healthcheck.args.includes('/healthz')) problem('the runtime stage needs a HEALTHCHECK on /healthz');
  if (!all('EXPOSE').some((i) => i.args.split(/\s+/).includes(String(port)))) problem(`must EXPOSE ${port}`);
  if (!all('ENV').some((i) => new RegExp(`HTTP_PORT=${port}\\b`).test(i.args))) problem(`must set HTTP_PORT=${port}`);
  const cmd = all('CMD').at(-1);
  let argv: unknown;
  try {
    argv = cmd ? JSON.parse(cmd.args) : undefined;
  } catch {
    argv = undefined;
  }
  if (!Array.isArray(argv) || argv[0] !== 'node') problem('CMD must be the exec form ["node", ...] so SIGTERM reaches node, not a shell');
  if (all('ENTRYPOINT').length > 0) problem('no ENTRYPOINT: it would wrap node and swallow SIGTERM');
  return findings;
}

/** Instructions with continuation lines joined; comments and parser directives dropped. */
function parseInstructions(content: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: Instruction | undefined;
  content.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (pending === undefined && (line === '' || line.startsWith('#'))) return;
    if (pending !== undefined && line.startsWith('#')) return;
    const continued = line.endsWith('\\');
    const text = continued ? line.slice(0, -1).trim() : line;
    if (pending === undefined) {
      const [keyword = '', ...rest] = text.split(/\s+/);
      pending = { keyword: keyword.toUpperCase(), args: rest.join(' '), line: index + 1 };
    } else {
      pending.args = `${pending.args} ${text}`.trim();
    }
    if (!continued) {
      instructions.push(pending);
      pending = undefined;
    }
  });
  if (pending) instructions.push(pending);
  return instructions;
}
