import path from 'node:path';
import { parseArgs } from 'node:util';
import { repositoryValuesSets, validateDeploy, type ValuesSet } from './validate-deploy.js';

/**
 * `node --import tsx k8s/validate/src/cli.ts [--values FILE]... [--compose FILE] [--manifests FILE]...
 *  [--rules FILE] [--alarms FILE] [--dashboard FILE]` (`npm run validate:deploy -- ...`)
 * Without options it checks the repository's chart values sets, alerts, CloudWatch alarms, Grafana
 * dashboard, compose file, Dockerfiles and IAM documents; each --values FILE is rendered as an extra
 * set on top of the chart's defaults, each --manifests FILE (rendered YAML) is checked against the
 * Kubernetes schemas, and --compose, --rules, --alarms, --dashboard check that file instead of the
 * repository's. Exits 1 when anything is wrong, printing each finding with the file to fix.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      values: { type: 'string', multiple: true },
      compose: { type: 'string' },
      manifests: { type: 'string', multiple: true },
      rules: { type: 'string' },
      alarms: { type: 'string' },
      dashboard: { type: 'string' },
    },
  });
  const repoRoot = path.resolve(__dirname, '../../..');
  const extra: ValuesSet[] = (values.values ?? []).map((file) => ({ label: path.basename(file), files: [path.resolve(file)] }));
  const results = await validateDeploy({
    repoRoot,
    valuesSets: [...repositoryValuesSets(repoRoot), ...extra],
    ...(values.compose ? { composeFile: path.resolve(values.compose) } : {}),
    manifestFiles: (values.manifests ?? []).map((file) => path.resolve(file)),
    ...(values.rules ? { rulesFile: path.resolve(values.rules) } : {}),
    ...(values.alarms ? { alarmsFile: path.resolve(values.alarms) } : {}),
    ...(values.dashboard ? { dashboardFile: path.resolve(values.dashboard) } : {}),
  });
  let failed = 0;
  for (const result of results) {
    if (result.findings.length === 0) {
      console.log(`ok    ${result.check}: ${result.covered}`);
      continue;
    }
    failed += 1;
    console.log(`FAIL  ${result.check}: ${result.covered}`);
    for (const f of result.findings) console.log(`  - [${f.check}] ${path.relative(repoRoot, f.file) || f.file}: ${f.message}`);
  }
  console.log(`deploy validation: ${results.length - failed} checks clean, ${failed} with findings`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  },
);
