import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describeStaleness, regenerate, staleness } from './generated-section.js';
import { SERVICE_CONFIGS } from './service-configs.js';

/** Repository root, from this file's location (tools/src/config-reference). */
const REPO_ROOT = resolve(__dirname, '..', '..', '..');
const REFERENCE_PATH = join(REPO_ROOT, 'docs', 'configuration.md');

/**
 * `npm run docs:config` rewrites the generated section of docs/configuration.md from the services'
 * config schemas; `-- --check` only says whether it is current (exit 1 when not), as the unit test does.
 */
function main(argv: string[]): number {
  const doc = readFileSync(REFERENCE_PATH, 'utf8');
  const shown = relative(REPO_ROOT, REFERENCE_PATH);
  if (argv.includes('--check')) {
    const result = staleness(doc, SERVICE_CONFIGS);
    if (result.current) return 0;
    process.stderr.write(`${describeStaleness(shown, result)}\n`);
    return 1;
  }
  const next = regenerate(doc, SERVICE_CONFIGS);
  if (next === doc) {
    process.stdout.write(`${shown} is current\n`);
  } else {
    writeFileSync(REFERENCE_PATH, next);
    process.stdout.write(`${shown} regenerated\n`);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
