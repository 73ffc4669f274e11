import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { finding, type Finding } from './findings.js';

/** The producer talks only to Kafka; the others read or write S3, Glue and Athena through IRSA. */
const SERVICES_USING_AWS = ['consumer-service', 'etl-worker', 'catalog-sync'] as const;

type Statement = { Sid?: string; Effect?: string; Action?: string | string[]; Resource?: string | string[]; Principal?: unknown };

/**
 * The IAM policy documents in k8s/iam: one per service that calls AWS, valid policy JSON, and least privilege as a
 * rule rather than a promise: no wildcard actions, no `Resource: "*"`, S3 object access only under
 * a named prefix.
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
    for (const [index, statement] of policy.Statement.entries()) {
      const where = statement.Sid ?? `Statement[${index}]`;
      const actions = ([] as string[]).concat(statement.Action ?? []);
      const resources = ([] as string[]).concat(statement.Resource ?? []);
      if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') problem(`${where}: Effect must be Allow or Deny`);
      if (actions.length === 0) problem(`${where}: no Action`);
      for (const action of actions) {
        if (action === '*' || action.endsWith(':*')) problem(`${where}: wildcard action ${action}`);
      }
      if (trustPolicy) continue;
      if (resources.length === 0) problem(`${where}: no Resource`);
      for (const resource of resources) {
        if (resource === '*') problem(`${where}: Resource "*" grants every resource in the account`);
        const objectArn = /^arn:aws:s3:::[^/]+\/(.*)$/.exec(resource);
        if (objectArn && (objectArn[1] === '*' || objectArn[1] === '')) problem(`${where}: ${resource} opens the whole bucket; name a prefix`);
      }
    }
  }
  return { covered: files.length, findings };
}
