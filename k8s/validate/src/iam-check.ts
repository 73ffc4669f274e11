import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { finding, type Finding } from './findings.js';

/** The producer talks only to Kafka; the others read or write S3, Glue and Athena through IRSA. */
const SERVICES_USING_AWS = ['consumer-service', 'etl-worker', 'catalog-sync', 'insights-service'] as const;

/**
 * The Glue Data Catalog's Iceberg REST endpoint, as both services use it: GET /v1/config is
 * glue:GetCatalog, namespaces are databases, loading a table is GetTable, creating one CreateTable,
 * and every commit (a snapshot, a schema change, snapshot expiry) UpdateTable.
 */
const GLUE_ICEBERG_REST = [
  'glue:GetCatalog',
  'glue:GetDatabase',
  'glue:GetDatabases',
  'glue:CreateDatabase',
  'glue:GetTable',
  'glue:GetTables',
  'glue:CreateTable',
  'glue:UpdateTable',
] as const;

/**
 * What each service calls, so a policy that forgets one fails here instead of with AccessDenied in
 * production: the ETL writes data files and creates tables and columns; catalog-sync writes manifests,
 * commits snapshots, deletes what no retained snapshot references, and runs Athena queries (and stops
 * the ones past their timeout).
 */
const REQUIRED_ACTIONS: Record<string, readonly string[]> = {
  'consumer-service.json': ['s3:PutObject'],
  'etl-worker.json': [...GLUE_ICEBERG_REST, 's3:GetObject', 's3:PutObject'],
  'catalog-sync.json': [
    ...GLUE_ICEBERG_REST,
    's3:GetObject',
    's3:PutObject',
    's3:DeleteObject',
    'athena:StartQueryExecution',
    'athena:GetQueryExecution',
    'athena:GetQueryResults',
    'athena:StopQueryExecution',
  ],
  // The history panel: reads the tables (DuckDB over their files, or Athena).
  'insights-service.json': ['glue:GetTable', 's3:GetObject', 'athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults'],
};

/** Actions of the Hive-folder lake: Iceberg tables have no Glue partitions, and nothing crawls them. */
const OBSOLETE_ACTION = /^glue:\w*(Partition|Crawler)\w*$/;

/** The janitor deletes only under a table's data/ and metadata/: no other object may be deletable. */
const DELETABLE_OBJECT = /^arn:aws:s3:::[^/]+\/[^/*]+\/(data|metadata)\/\*$/;

type Statement = { Sid?: string; Effect?: string; Action?: string | string[]; Resource?: string | string[]; Principal?: unknown };

/**
 * The IAM policy documents in k8s/iam: one per service that calls AWS, valid policy JSON, and least privilege as a
 * rule rather than a promise: no wildcard actions, no `Resource: "*"`, S3 object access only under
 * a named prefix, deletes only of table files. Each service's document grants what the service calls,
 * and nothing of the partition and crawler machinery the Iceberg tables replaced.
 */
export function checkIamPolicies(iamDir: string): { covered: number; findings: Finding[] } {
  const findings: Finding[] = [];
  const files = readdirSync(iamDir).filter((f) => f.endsWith('.json'));
  for (const name of SERVICES_USING_AWS) {
    if (!files.includes(`${name}.json`)) findings.push(finding('iam', iamDir, `no policy document ${name}.json`));
  }
  for (const file of files) {
    const full = path.join(iamDir, file);
    const problem = (message: string) => findings.push(finding('iam', full, message));
    let policy: { Version?: string; Statement?: Statement[] };
    try {
      policy = JSON.parse(readFileSync(full, 'utf8')) as typeof policy;
    } catch (error) {
      problem(`not JSON: ${(error as Error).message}`);
      continue;
    }
    if (policy.Version !== '2012-10-17') problem('Version must be "2012-10-17" (policy variables need it)');
    if (!Array.isArray(policy.Statement) || policy.Statement.length === 0) {
      problem('needs a Statement list');
      continue;
    }
    const trustPolicy = policy.Statement.some((s) => s.Principal !== undefined);
    const allowed = new Set<string>();
    for (const [index, statement] of policy.Statement.entries()) {
      const where = statement.Sid ?? `Statement[${index}]`;
      const actions = ([] as string[]).concat(statement.Action ?? []);
      const resources = ([] as string[]).concat(statement.Resource ?? []);
      if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') problem(`${where}: Effect must be Allow or Deny`);
      if (actions.length === 0) problem(`${where}: no Action`);
      for (const action of actions) {
        if (action === '*' || action.endsWith(':*')) problem(`${where}: wildcard action ${action}`);
        if (OBSOLETE_ACTION.test(action)) problem(`${where}: ${action} served the Hive-folder lake; Iceberg tables have no Glue partitions or crawlers`);
        if (statement.Effect === 'Allow') allowed.add(action);
      }
      if (trustPolicy) continue;
      if (statement.Effect === 'Allow' && actions.includes('s3:DeleteObject')) {
        for (const resource of resources.filter((r) => !DELETABLE_OBJECT.test(r))) {
          problem(`${where}: s3:DeleteObject on ${resource}; only <table>/data/* and <table>/metadata/* may be deleted (the janitor's files)`);
        }
      }
      if (resources.length === 0) problem(`${where}: no Resource`);
      for (const resource of resources) {
        if (resource === '*') problem(`${where}: Resource "*" grants every resource in the account`);
        const objectArn = /^arn:aws:s3:::[^/]+\/(.*)$/.exec(resource);
        if (objectArn && (objectArn[1] === '*' || objectArn[1] === '')) problem(`${where}: ${resource} opens the whole bucket; name a prefix`);
      }
    }
    for (const action of REQUIRED_ACTIONS[file] ?? []) {
      if (!allowed.has(action)) problem(`does not allow ${action}, which ${file.replace(/\.json$/, '')} needs`);
    }
  }
  return { covered: files.length, findings };
}
