import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { finding, type Finding } from './findings.js';
import type { Obj } from './rendered-objects.js';
import { PIPELINE_SERVICES } from './services.js';

const run = promisify(execFile);

/** The services that talk to the lake's Iceberg catalog: the ETL creates tables, catalog-sync commits snapshots, insights-service reads them. */
const ICEBERG_SERVICES = ['etl-worker', 'catalog-sync', 'insights-service'];

/** The services downstream of the source topic: without the simulator, the whole lake half and the live page. */
const LAKE_SERVICES = ['consumer-service', 'etl-worker', 'catalog-sync', 'insights-service'];

/** Settings of the Hive-folder lake that no service reads any more: left in, they would be silently ignored. */
const REMOVED_VARIABLE = /^(CATALOG_MODE|CATALOG_DATABASE|CATALOG_DOCUMENT_KEY|CATALOG_PROJECTION_FIRST_DAY|CRAWLER_UPDATE_BEHAVIOR|CRAWLER_DELETE_BEHAVIOR)$/;

/** The one rules file the chart's PrometheusRule and the compose Prometheus both load. */
export const PROMETHEUS_RULES_FILE = 'k8s/spotify-pipeline/files/prometheus-rules.yaml';

/**
 * The compose file against the compose specification's JSON schema (dclint, with the style-only
 * ordering rules off: deploy/dclint.json), then what `docker compose up` needs to run the whole
 * pipeline unattended: every service built, wired and gated on healthy infrastructure (the Iceberg
 * REST catalog included, for the services that commit to it), the buckets the services use created
 * at start, and Prometheus scraping every service and loading the pipeline's alerts.
 * With override files (`docker compose -f base -f override`), the merged result is what is checked.
 */
export async function checkCompose(repoRoot: string, composeFile: string, overrideFiles: readonly string[] = []): Promise<Finding[]> {
  const label = [composeFile, ...overrideFiles].map((f) => path.relative(repoRoot, f) || f).join(' + ');
  const where = overrideFiles.length === 0 ? composeFile : label;
  const findings: Finding[] = [];
  const problem = (message: string) => findings.push(finding('compose wiring', where, message));
  let compose: Obj;
  try {
    compose = [composeFile, ...overrideFiles].map((f) => parse(readFileSync(f, 'utf8'), { merge: true }) as Obj).reduce(mergeCompose);
  } catch (error) {
    problem(`does not parse: ${(error as Error).message}`);
    return findings;
  }
  if (overrideFiles.length === 0) {
    findings.push(...(await runDclint(repoRoot, composeFile, where)));
  } else {
    // Each override's own style (it has no project name: the base file names the project), then the
    // merged model against the schema, as docker compose would run it. The merged text is ours, not
    // the author's, so only errors count there.
    for (const file of overrideFiles) findings.push(...(await runDclint(repoRoot, file, file, ['--disable-rule=require-project-name-field'])));
    const scratch = mkdtempSync(path.join(tmpdir(), 'compose-merged-'));
    try {
      const merged = path.join(scratch, 'docker-compose.yml');
      writeFileSync(merged, stringify(compose));
      findings.push(...(await runDclint(repoRoot, merged, where, ['--quiet'])));
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  const services: Obj = compose?.services ?? {};
  for (const { name, port } of PIPELINE_SERVICES) for (const message of serviceProblems(repoRoot, name, port, services)) problem(message);
  // The sink stages the source topic, the ETL names its table after it and catalog-sync counts its
  // partitions for the watermark: three services that must agree on which topic it is.
  const sources = new Set(LAKE_SERVICES.map((name) => String(services[name]?.environment?.TOPICS_LISTENING_EVENTS ?? '(default)')));
  if (sources.size > 1) problem(`${LAKE_SERVICES.join(', ')} disagree on TOPICS_LISTENING_EVENTS: ${[...sources].join(' / ')}`);
  for (const infra of ['redpanda', 'minio', 'iceberg-rest']) {
    if (!services[infra]?.healthcheck) problem(`${infra} needs a healthcheck for the services' depends_on`);
  }
  for (const observer of ['prometheus', 'grafana']) {
    if (!(services[observer]?.profiles ?? []).includes('observability')) problem(`${observer} must be in the observability profile`);
  }
  if (overrideFiles.length === 0) findings.push(...checkPrometheusConfig(repoRoot, services.prometheus ?? {}));
  return findings;
}

/**
 * Compose's merge of `-f base -f override`, as far as override files here use it: mappings merge key
 * by key, anything else in the override replaces the base value.
 */
function mergeCompose(base: Obj, override: Obj): Obj {
  if (!isMapping(base) || !isMapping(override)) return override;
  const merged: Obj = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = key in base ? mergeCompose(base[key], value) : value;
  return merged;
}

function isMapping(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One pipeline service: built from the repository, restarted, gated on healthy infrastructure, wired to its buckets and catalog. */
function serviceProblems(repoRoot: string, name: string, port: number, services: Obj): string[] {
  const service: Obj | undefined = services[name];
  if (!service) return [`service ${name} is missing`];
  const problems: string[] = [];
  const dockerfile = service.build?.dockerfile;
  if (!dockerfile || !existsSync(path.join(repoRoot, service.build?.context ?? '.', dockerfile))) problems.push(`${name}: build.dockerfile ${dockerfile} does not exist`);
  if (!['always', 'unless-stopped', 'on-failure'].includes(String(service.restart).split(':')[0] ?? '')) problems.push(`${name}: needs a restart policy`);
  const dependsOn: Obj = service.depends_on ?? {};
  if (dependsOn.redpanda?.condition !== 'service_healthy') problems.push(`${name}: must wait for redpanda to be service_healthy`);
  for (const init of ['topics-init', 'buckets-init']) {
    if (dependsOn[init]?.condition !== 'service_completed_successfully') problems.push(`${name}: must wait for ${init} to complete successfully`);
  }
  const env: Obj = service.environment ?? {};
  for (const variable of ['KAFKA_BROKERS', 'S3_ENDPOINT', 'S3_FORCE_PATH_STYLE', 'STORAGE_STAGING_BUCKET', 'STORAGE_LAKE_BUCKET']) {
    if (env[variable] === undefined) problems.push(`${name}: environment lacks ${variable}`);
  }
  if (String(env.HTTP_PORT) !== String(port)) problems.push(`${name}: HTTP_PORT must be ${port}`);
  const initCommand = JSON.stringify(services['buckets-init']?.command ?? '');
  for (const bucket of [env.STORAGE_STAGING_BUCKET, env.STORAGE_LAKE_BUCKET]) {
    if (bucket && !initCommand.includes(`local/${bucket}`)) problems.push(`${name}: bucket ${bucket} is not created by buckets-init`);
  }
  for (const variable of Object.keys(env).filter((v) => REMOVED_VARIABLE.test(v))) {
    problems.push(`${name}: ${variable} no longer exists (the lake is Iceberg tables: ICEBERG_* and CATALOG_ENGINE replace it)`);
  }
  if (ICEBERG_SERVICES.includes(name)) problems.push(...checkIcebergWiring(name, env, dependsOn, services));
  return problems;
}

/** A REST catalog named by host must be a compose service with a healthcheck that the service waits for. */
function checkIcebergWiring(name: string, env: Obj, dependsOn: Obj, services: Obj): string[] {
  const problems: string[] = [];
  const kind = env.ICEBERG_CATALOG ?? 'rest';
  if (kind !== 'rest') return [`${name}: ICEBERG_CATALOG must be rest in compose (glue is an AWS endpoint), not ${kind}`];
  let host: string;
  try {
    host = new URL(String(env.ICEBERG_REST_URI)).hostname;
  } catch {
    return [`${name}: ICEBERG_REST_URI must be the URL of the compose Iceberg REST catalog, not ${env.ICEBERG_REST_URI}`];
  }
  if (!services[host]) problems.push(`${name}: ICEBERG_REST_URI names ${host}, which is not a compose service`);
  else if (dependsOn[host]?.condition !== 'service_healthy') problems.push(`${name}: must wait for ${host} to be service_healthy`);
  return problems;
}

/**
 * Prometheus scrapes every service with the labels the alerts and the dashboard group by (job,
 * namespace), and loads the chart's rules file through a compose mount: the same file, not a copy.
 */
function checkPrometheusConfig(repoRoot: string, prometheus: Obj): Finding[] {
  const file = path.join(repoRoot, 'deploy/prometheus/prometheus.yml');
  const findings: Finding[] = [];
  const config = parse(readFileSync(file, 'utf8')) as Obj;
  const groups: Obj[] = (config.scrape_configs ?? []).flatMap((job: Obj) => job.static_configs ?? []);
  for (const { name, port } of PIPELINE_SERVICES) {
    const group = groups.find((g) => (g.targets ?? []).includes(`${name}:${port}`));
    if (!group) findings.push(finding('prometheus scrape', file, `no scrape target ${name}:${port}`));
    else if (!group.labels?.namespace) findings.push(finding('prometheus scrape', file, `${name}:${port} has no namespace label (the alerts and the dashboard filter by job and namespace)`));
  }
  const patterns: string[] = config.rule_files ?? [];
  const mounts = ((prometheus.volumes ?? []) as unknown[]).map(String).map((volume) => {
    const [host = '', container = ''] = volume.split(':');
    return { host: path.resolve(repoRoot, host), container };
  });
  const loaded = mounts.filter((m) => patterns.some((pattern) => globToRegExp(pattern).test(m.container))).map((m) => m.host);
  if (!loaded.includes(path.join(repoRoot, PROMETHEUS_RULES_FILE))) {
    findings.push(finding('prometheus rules', file, `rule_files (${patterns.join(', ') || 'none'}) load no compose mount of ${PROMETHEUS_RULES_FILE}, the alerts the chart ships`));
  }
  return findings;
}

/** Prometheus' rule_files globs: `*` and `?` within one path segment. */
function globToRegExp(glob: string): RegExp {
  const pattern = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${pattern}$`);
}

async function runDclint(repoRoot: string, composeFile: string, where: string, extraArgs: readonly string[] = []): Promise<Finding[]> {
  const require = createRequire(__filename);
  const dclint = path.join(path.dirname(require.resolve('dclint/package.json')), 'bin', 'dclint.cjs');
  const args = [dclint, composeFile, '--config', path.join(repoRoot, 'deploy/dclint.json'), '--max-warnings', '0', '--no-color', ...extraArgs];
  try {
    await run(process.execPath, args, { cwd: repoRoot });
    return [];
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    const report = `${failed.stdout ?? ''}${failed.stderr ?? ''}`.trim();
    return [finding('dclint (compose schema)', where, report || 'dclint failed without output')];
  }
}
