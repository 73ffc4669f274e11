import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { finding, type Finding } from './findings.js';
import { PIPELINE_SERVICES } from './services.js';

const run = promisify(execFile);
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed YAML is untyped

/** The services that talk to the lake's Iceberg catalog: the ETL creates tables, catalog-sync commits snapshots. */
const ICEBERG_SERVICES = ['etl-worker', 'catalog-sync'];

/** Settings of the Hive-folder lake that no service reads any more: left in, they would be silently ignored. */
const REMOVED_VARIABLE = /^(CATALOG_MODE|CATALOG_DATABASE|CATALOG_DOCUMENT_KEY|CATALOG_PROJECTION_FIRST_DAY|CRAWLER_UPDATE_BEHAVIOR|CRAWLER_DELETE_BEHAVIOR)$/;

/**
 * The compose file against the compose specification's JSON schema (dclint, with the style-only
 * ordering rules off: deploy/dclint.json), then what `docker compose up` needs to run the whole
 * pipeline unattended: every service built, wired and gated on healthy infrastructure (the Iceberg
 * REST catalog included, for the services that commit to it), the buckets the services use created
 * at start, and Prometheus scraping every service.
 */
export async function checkCompose(repoRoot: string, composeFile: string): Promise<Finding[]> {
  const findings = await runDclint(repoRoot, composeFile);
  const check = 'compose wiring';
  const problem = (message: string) => findings.push(finding(check, composeFile, message));
  let compose: Obj;
  try {
    compose = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as Obj;
  } catch (error) {
    problem(`does not parse: ${(error as Error).message}`);
    return findings;
  }
  const services: Obj = compose?.services ?? {};
  const initCommand = JSON.stringify(services['buckets-init']?.command ?? '');

  for (const { name, port } of PIPELINE_SERVICES) {
    const service: Obj | undefined = services[name];
    if (!service) {
      problem(`service ${name} is missing`);
      continue;
    }
    const dockerfile = service.build?.dockerfile;
    if (!dockerfile || !existsSync(path.join(repoRoot, service.build?.context ?? '.', dockerfile))) problem(`${name}: build.dockerfile ${dockerfile} does not exist`);
    if (!['always', 'unless-stopped', 'on-failure'].includes(String(service.restart).split(':')[0] ?? '')) problem(`${name}: needs a restart policy`);
    const dependsOn: Obj = service.depends_on ?? {};
    if (dependsOn.redpanda?.condition !== 'service_healthy') problem(`${name}: must wait for redpanda to be service_healthy`);
    for (const init of ['topics-init', 'buckets-init']) {
      if (dependsOn[init]?.condition !== 'service_completed_successfully') problem(`${name}: must wait for ${init} to complete successfully`);
    }
    const env: Obj = service.environment ?? {};
    for (const variable of ['KAFKA_BROKERS', 'S3_ENDPOINT', 'S3_FORCE_PATH_STYLE', 'STORAGE_STAGING_BUCKET', 'STORAGE_LAKE_BUCKET']) {
      if (env[variable] === undefined) problem(`${name}: environment lacks ${variable}`);
    }
    if (String(env.HTTP_PORT) !== String(port)) problem(`${name}: HTTP_PORT must be ${port}`);
    for (const bucket of [env.STORAGE_STAGING_BUCKET, env.STORAGE_LAKE_BUCKET]) {
      if (bucket && !initCommand.includes(`local/${bucket}`)) problem(`${name}: bucket ${bucket} is not created by buckets-init`);
    }
    for (const variable of Object.keys(env).filter((v) => REMOVED_VARIABLE.test(v))) {
      problem(`${name}: ${variable} no longer exists (the lake is Iceberg tables: ICEBERG_* and CATALOG_ENGINE replace it)`);
    }
    if (ICEBERG_SERVICES.includes(name)) for (const message of checkIcebergWiring(name, env, dependsOn, services)) problem(message);
  }
  for (const infra of ['redpanda', 'minio', 'iceberg-rest']) {
    if (!services[infra]?.healthcheck) problem(`${infra} needs a healthcheck for the services' depends_on`);
  }
  for (const observer of ['prometheus', 'grafana']) {
    if (!(services[observer]?.profiles ?? []).includes('observability')) problem(`${observer} must be in the observability profile`);
  }
  findings.push(...checkPrometheusTargets(repoRoot));
  return findings;
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

function checkPrometheusTargets(repoRoot: string): Finding[] {
  const file = path.join(repoRoot, 'deploy/prometheus/prometheus.yml');
  const config = parse(readFileSync(file, 'utf8')) as Obj;
  const targets = new Set<string>(
    (config.scrape_configs ?? []).flatMap((job: Obj) => (job.static_configs ?? []).flatMap((group: Obj) => group.targets ?? [])),
  );
  return PIPELINE_SERVICES.filter(({ name, port }) => !targets.has(`${name}:${port}`)).map(({ name, port }) =>
    finding('prometheus scrape', file, `no scrape target ${name}:${port}`),
  );
}

async function runDclint(repoRoot: string, composeFile: string): Promise<Finding[]> {
  const require = createRequire(__filename);
  const dclint = path.join(path.dirname(require.resolve('dclint/package.json')), 'bin', 'dclint.cjs');
  const args = [dclint, '--config', path.join(repoRoot, 'deploy/dclint.json'), '--max-warnings', '0', '--no-color', composeFile];
  try {
    await run(process.execPath, args, { cwd: repoRoot });
    return [];
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    const report = `${failed.stdout ?? ''}${failed.stderr ?? ''}`.trim();
    return [finding('dclint (compose schema)', composeFile, report || 'dclint failed without output')];
  }
}
