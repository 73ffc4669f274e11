import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkIamPolicies } from '../../src/iam-check';

const repoRoot = path.resolve(__dirname, '../../../..');

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'iam-check-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
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
