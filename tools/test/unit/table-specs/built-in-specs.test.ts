import { mkdtemp, readFile, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_IN_SPECS_DIR, staleBuiltInSpecs } from '../../../src/table-specs/built-in-files';

describe('built-in table specs (shared/specs)', () => {
  it('are what the zod contracts generate: run npm run specs:generate after changing a contract', () => {
    expect(staleBuiltInSpecs()).toEqual([]);
  });

  it('a contract change the files do not carry is found', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'built-in-specs-'));
    try {
      await cp(BUILT_IN_SPECS_DIR, dir, { recursive: true });
      const file = join(dir, 'listening_events.schema.json');
      const schema = JSON.parse(await readFile(file, 'utf8'));
      delete schema.properties.artist_uri;
      await writeFile(file, JSON.stringify(schema, null, 2) + '\n');
      expect(staleBuiltInSpecs(dir)).toEqual(['listening_events.schema.json']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
