import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { builtInSpecFiles } from '@spotify-pipeline/shared/table-spec';

/** shared/specs, from this file's location (tools/src/table-specs). */
export const BUILT_IN_SPECS_DIR = resolve(__dirname, '..', '..', '..', 'shared', 'specs');

/** The built-in spec files whose text differs from what the zod contracts generate (missing ones included). */
export function staleBuiltInSpecs(dir = BUILT_IN_SPECS_DIR): string[] {
  const stale: string[] = [];
  for (const [name, text] of builtInSpecFiles()) {
    let current: string | undefined;
    try {
      current = readFileSync(join(dir, name), 'utf8');
    } catch {
      current = undefined;
    }
    if (current !== text) stale.push(name);
  }
  return stale;
}
