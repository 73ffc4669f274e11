import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtInSpecFiles } from '@spotify-pipeline/shared/table-spec';
import { BUILT_IN_SPECS_DIR, staleBuiltInSpecs } from './built-in-files.js';

/**
 * `npm run specs:generate` writes the built-in table specs and their JSON Schemas (shared/specs/)
 * from the zod contracts; `-- --check` only says whether they are current (exit 1 when not).
 */
function main(argv: string[]): number {
  const stale = staleBuiltInSpecs();
  if (argv.includes('--check')) {
    if (stale.length === 0) return 0;
    process.stderr.write(`shared/specs is stale (${stale.join(', ')}): run npm run specs:generate\n`);
    return 1;
  }
  mkdirSync(BUILT_IN_SPECS_DIR, { recursive: true });
  for (const [name, text] of builtInSpecFiles()) if (stale.includes(name)) writeFileSync(join(BUILT_IN_SPECS_DIR, name), text);
  process.stdout.write(stale.length === 0 ? 'shared/specs is current\n' : `shared/specs: wrote ${stale.join(', ')}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
