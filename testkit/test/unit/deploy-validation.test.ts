import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { checkDockerfile, checkDockerfiles, instantiateDockerfile } from '../../../k8s/validate/dockerfile-check';
import { checkIamPolicies } from '../../../k8s/validate/iam-check';
import { checkMetricReferences, registeredMetricNames } from '../../../k8s/validate/metric-names';

/**
 * The deployment validation (k8s/validate) run as CI runs it: the CLI renders the Helm chart with
 * the bundled helm, validates the manifests against the Kubernetes schemas, lints the compose file
 * and checks the Dockerfiles and IAM documents. A validation is only worth something if it fails on
 * broken input, so half of this file feeds it deliberately wrong files.
 */
const run = promisify(execFile);
const repoRoot = path.resolve(__dirname, '../../..');
const cli = path.join(repoRoot, 'k8s/validate/cli.ts');
const fixtures = path.join(repoRoot, 'k8s/validate/fixtures');

async function validate(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'deploy-validation-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('deploy validation CLI', () => {
  it('passes the repository chart (default, EKS/KEDA, EKS/HPA, EKS/MSK IAM values), compose file, Dockerfiles and IAM documents', async () => {
    const { code, output } = await validate([]);
    expect(output).toMatch(/^ok {4}chart \(default values\): [1-9]\d* manifests$/m);
    expect(output).toMatch(/^ok {4}chart \(eks example\): [1-9]\d* manifests$/m);
    expect(output).toMatch(/^ok {4}chart \(eks example, hpa scaling\): [1-9]\d* manifests$/m);
    expect(output).toMatch(/^ok {4}chart \(eks example, msk iam\): [1-9]\d* manifests$/m);
    expect(output).toMatch(/^ok {4}docker compose: docker-compose\.yml$/m);
    expect(output).toMatch(/^ok {4}dockerfiles: 4 service images from one Dockerfile$/m);
    expect(output).toMatch(/^ok {4}metric names: [1-9]\d* references in 6 files$/m);
    expect(output).toMatch(/^ok {4}iam policies: [1-9]\d* documents$/m);
    expect(code).toBe(0);
  }, 120_000);

  it('fails on a wrong values file, an unsafe grace period, removed catalog settings, a broken compose file and invalid manifests', async () => {
    const compose = readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8')
      // Schema-level: depends_on conditions must be a map of known conditions.
      .replace('condition: service_healthy', 'condition: when-it-feels-like-it')
      // Wiring-level: the sink loses its restart policy.
      .replace(/\n {4}ports:\n {6}- '127\.0\.0\.1:9462:9462'/, "\n    ports:\n      - '127.0.0.1:9462:9462'\n    restart: \"no\"")
      // Wiring-level: catalog-sync keeps a setting of the Hive-folder lake and points at a catalog that is not there.
      .replace('      CATALOG_ENGINE: duckdb\n', '      CATALOG_ENGINE: duckdb\n      CATALOG_MODE: glue\n      ICEBERG_REST_URI: http://polaris:8181\n');
    const brokenCompose = path.join(scratch, 'docker-compose.yml');
    writeFileSync(brokenCompose, compose);

    const { code, output } = await validate([
      '--values',
      path.join(fixtures, 'broken-values.yaml'),
      '--values',
      path.join(fixtures, 'short-grace-values.yaml'),
      '--values',
      path.join(fixtures, 'legacy-catalog-values.yaml'),
      '--compose',
      brokenCompose,
      '--manifests',
      path.join(fixtures, 'invalid-manifests.yaml'),
    ]);

    expect(code).toBe(1);
    // The repository's own sets still pass: the failures are the broken inputs' alone.
    expect(output).toMatch(/^ok {4}chart \(eks example\)/m);
    expect(output).toMatch(/^FAIL {2}chart \(broken-values\.yaml\)/m);
    expect(output).toContain("at '/kafka/securityProtocol': value must be one of");
    expect(output).toContain("at '/services/consumer/replicas': got string, want integer");
    expect(output).toContain("additional properties 'drainSecs' not allowed");
    expect(output).toMatch(/^FAIL {2}chart \(short-grace-values\.yaml\)/m);
    expect(output).toContain('services.consumer.terminationGracePeriodSeconds (30) must be longer than services.consumer.drainSeconds (60)');
    expect(output).toMatch(/^FAIL {2}chart \(legacy-catalog-values\.yaml\)/m);
    expect(output).toContain('services.catalog.env.CATALOG_DATABASE no longer exists');
    expect(output).toMatch(/^FAIL {2}docker compose/m);
    expect(output).toContain('ComposeValidationError');
    expect(output).toContain('consumer-service: needs a restart policy');
    expect(output).toContain('catalog-sync: CATALOG_MODE no longer exists');
    expect(output).toContain('catalog-sync: ICEBERG_REST_URI names polaris, which is not a compose service');
    expect(output).toMatch(/^FAIL {2}manifests \(invalid-manifests\.yaml\)/m);
    expect(output).toContain('Deployment/broken: data/spec/replicas must be integer');
    expect(output).toContain('Widget/unknown: no schema for example.com/v1 Widget');
  }, 120_000);
});

describe('Dockerfile contract', () => {
  const template = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
  const good = instantiateDockerfile(template, { SERVICE: 'consumer-service', HTTP_PORT: '9462' });

  it('accepts the repository Dockerfile, instantiated for each service', () => {
    expect(checkDockerfiles(repoRoot)).toEqual({ covered: 4, findings: [] });
    expect(good).toContain('-w shared -w consumer-service');
    expect(good).not.toContain('SERVICE}');
  });

  it('rejects a stage that uses a build arg it does not declare, and an instance built for another service', () => {
    const dir = path.join(scratch, 'dockerfile');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'Dockerfile'), template.replace(/(FROM \$\{NODE_IMAGE\} AS runtime\n)ARG SERVICE\n/, '$1').replace('-w shared -w ${SERVICE} \\', '-w shared -w consumer-service \\'));
    const messages = checkDockerfiles(dir).findings.map((f) => `${f.file}: ${f.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('stage "${NODE_IMAGE} AS runtime" uses ${SERVICE} without declaring ARG SERVICE'),
        expect.stringMatching(/SERVICE=etl-worker\): production dependencies must come from `npm ci --omit=dev ... -w etl-worker`/),
      ]),
    );
  });

  it('rejects a shell-form CMD, a root user, a missing HEALTHCHECK, the wrong port and a non-LTS base', () => {
    const broken = good
      .replace('CMD ["node", "dist/main.js"]', 'CMD node dist/main.js')
      .replace('USER 1000:1000', 'USER root')
      .replace(/HEALTHCHECK[^\n]*\\\n[^\n]*\n/, '')
      .replace('EXPOSE 9462', 'EXPOSE 8080')
      .replace('HTTP_PORT=9462', 'HTTP_PORT=8080')
      .replace('ARG NODE_IMAGE=node:22-bookworm-slim', 'ARG NODE_IMAGE=node:23-bookworm');
    const messages = checkDockerfile('Dockerfile', broken, 'consumer-service', 9462).map((f) => f.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('CMD must be the exec form'),
        expect.stringContaining('non-root USER'),
        expect.stringContaining('HEALTHCHECK on /healthz'),
        'must EXPOSE 9462',
        expect.stringContaining('current Node LTS slim image'),
      ]),
    );
  });
});

describe('IAM policy documents', () => {
  it('keep every service to least privilege', () => {
    const { covered, findings } = checkIamPolicies(path.join(repoRoot, 'k8s/iam'));
    expect(findings).toEqual([]);
    expect(covered).toBeGreaterThanOrEqual(3);
  });

  it('require what each service calls, and refuse the partition and crawler actions of the Hive-folder lake and deletes outside table files', () => {
    const dir = path.join(scratch, 'iam-iceberg');
    mkdirSync(dir, { recursive: true });
    for (const file of ['consumer-service.json', 'etl-worker.json']) writeFileSync(path.join(dir, file), readFileSync(path.join(repoRoot, 'k8s/iam', file)));
    const statement = (Sid: string, Action: string[], Resource: string[]) => ({ Sid, Effect: 'Allow', Action, Resource });
    writeFileSync(
      path.join(dir, 'catalog-sync.json'),
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          statement('Glue', ['glue:GetDatabase', 'glue:GetTable', 'glue:UpdateTable', 'glue:BatchCreatePartition', 'glue:StartCrawler'], ['arn:aws:glue:eu-west-1:123456789012:table/spotify_lake/*']),
          statement('Lake', ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], ['arn:aws:s3:::lake/listening_events/*', 'arn:aws:s3:::lake/listening_events/data/*']),
        ],
      }),
    );
    const messages = checkIamPolicies(dir).findings.map((f) => f.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        'Glue: glue:BatchCreatePartition served the Hive-folder lake; Iceberg tables have no Glue partitions or crawlers',
        'Glue: glue:StartCrawler served the Hive-folder lake; Iceberg tables have no Glue partitions or crawlers',
        'Lake: s3:DeleteObject on arn:aws:s3:::lake/listening_events/*; only <table>/data/* and <table>/metadata/* may be deleted (the janitor\'s files)',
        'does not allow glue:GetCatalog, which catalog-sync needs',
        'does not allow glue:CreateTable, which catalog-sync needs',
        'does not allow athena:StopQueryExecution, which catalog-sync needs',
      ]),
    );
    // The data/ resource of the same statement is a table file, and the ETL's real document is complete.
    expect(messages.filter((m) => m.includes('listening_events/data/*'))).toEqual([]);
    expect(messages.filter((m) => m.includes('etl-worker'))).toEqual([]);
  });

  it('reject wildcard actions, Resource "*", whole-bucket object access and a missing service', () => {
    const dir = path.join(scratch, 'iam');
    mkdirSync(dir, { recursive: true });
    const statement = (Sid: string, Action: string[], Resource: string[]) => ({ Sid, Effect: 'Allow', Action, Resource });
    writeFileSync(
      path.join(dir, 'consumer-service.json'),
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [statement('All', ['s3:*'], ['arn:aws:s3:::staging/staging/*']), statement('Everything', ['s3:GetObject'], ['*']), statement('Bucket', ['s3:PutObject'], ['arn:aws:s3:::staging/*'])],
      }),
    );
    const messages = checkIamPolicies(dir).findings.map((f) => f.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        'All: wildcard action s3:*',
        'Everything: Resource "*" grants every resource in the account',
        'Bucket: arn:aws:s3:::staging/* opens the whole bucket; name a prefix',
        'no policy document etl-worker.json',
      ]),
    );
  });
});

describe('metric names in dashboards, alarms and scalers', () => {
  it('finds the services\' registered metrics, including names built from a prefix constant', () => {
    const registered = registeredMetricNames(repoRoot);
    expect(registered).toContain('pipeline_consumer_service_consumer_lag_records');
    expect(registered).toContain('pipeline_producer_service_events_produced_total');
  });

  it('reports a name no service registers, and accepts histogram series of a registered one', () => {
    const file = path.join(scratch, 'panel.json');
    writeFileSync(
      file,
      JSON.stringify({
        expr: 'histogram_quantile(0.95, sum by (le) (rate(pipeline_consumer_service_object_size_bytes_bucket[5m]))) + pipeline_consumer_service_records_lost_total',
      }),
    );
    const { covered, findings } = checkMetricReferences(repoRoot, [file]);
    expect(covered).toBe(2);
    expect(findings.map((f) => f.message)).toEqual(['pipeline_consumer_service_records_lost_total is not registered by any service']);
  });
});
