import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = join(__dirname, '..', '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []));
}

/** Relative imports of a file (type-only ones too: a cycle of types is still a cycle for a reader). */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)[^;]*?from '(\.{1,2}\/[^']+)\.js';/gms)].map((m) => resolve(dirname(file), `${m[1]}.ts`));
}

describe('producer-service sources', () => {
  const files = sources(SRC);
  const graph = new Map(files.map((file) => [file, imports(file)]));

  it('import each other without a cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(SRC, f)).join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('keep the encoding folder free of the simulator (simulator → encoding, never back)', () => {
    const encoding = files.filter((file) => relative(SRC, file).startsWith('encoding/'));
    expect(encoding.length).toBeGreaterThan(3);
    for (const file of encoding) expect([relative(SRC, file), (graph.get(file) ?? []).filter((dep) => !relative(SRC, dep).startsWith('encoding/'))]).toEqual([relative(SRC, file), []]);
  });
});
