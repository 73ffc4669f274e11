import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTableSpec } from '@spotify-pipeline/shared/table-spec';
import { runSpecInfer, tableNameOf, type SpecInferIo } from '../../../src/specs/spec-infer-command';
import { clickRecords, productRecords } from '../../fixtures/sampled-records';

function io(env: Record<string, string> = {}): SpecInferIo & { out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return { env, out: () => out.join(''), err: () => err.join(''), stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } };
}

describe('catalog-sync spec infer <file.ndjson>', () => {
  let dir: string;
  let outDir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spec-infer-'));
    outDir = join(dir, 'specs');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const ndjson = async (name: string, records: unknown[], extraLines: string[] = []): Promise<string> => {
    const file = join(dir, name);
    await writeFile(file, [...records.map((r) => JSON.stringify(r)), ...extraLines].join('\n') + '\n');
    return file;
  };

  it('writes <table>.table.yaml and <table>.schema.json, prints them, the columns the draft implies and the notes; the draft loads', async () => {
    const source = await ndjson('Web-Clicks.ndjson', clickRecords(60), ['{"truncated": ']);
    const cli = io();
    expect(await runSpecInfer({ source, outDir, sample: 1000 }, cli)).toBe(0);
    expect(cli.err()).toBe('');
    const specFile = join(outDir, 'web_clicks.table.yaml');
    const schemaFile = join(outDir, 'web_clicks.schema.json');
    expect((await readdir(outDir)).sort()).toEqual(['web_clicks.schema.json', 'web_clicks.table.yaml']);
    const out = cli.out();
    expect(out).toContain(`Sampled 60 records of ${source}.\nwrote ${specFile}\nwrote ${schemaFile}\n`);
    expect(out).toMatch(/^The draft loads\. Table web_clicks:$/m);
    expect(out).toMatch(/^occurred_at_ms +\| timestamp +\| no +\| event time \(epoch_ms\)$/m);
    expect(out).toMatch(/^device +\| string +\| no +\| values: desktop, mobile, tablet$/m);
    expect(out).toMatch(/^partitioned by: hour\(occurred_at_ms\)$/m);
    expect(out).toMatch(/^dropped on sight: ip_address$/m);
    expect(out).toMatch(/^ {2}- 1 line was not a JSON object, left out of the sample \(first at line 61\)/m);
    expect(out).toMatch(/^ {2}- topics: Web-Clicks is a guess from the file's name/m);
    const spec = await loadTableSpec(specFile);
    expect(spec.topics).toEqual(['Web-Clicks']);
    expect(JSON.parse(await readFile(schemaFile, 'utf8'))).toMatchObject({ type: 'object', required: expect.arrayContaining(['event_id']) });
  });

  it('reads at most --sample records', async () => {
    const source = await ndjson('clicks.ndjson', clickRecords(60));
    const cli = io();
    expect(await runSpecInfer({ source, outDir, sample: 10, table: 'clicks_draft' }, cli)).toBe(0);
    expect(cli.out()).toContain(`Sampled 10 records of ${source}.`);
    // Ten samples are too few for an enum.
    expect(JSON.parse(await readFile(join(outDir, 'clicks_draft.schema.json'), 'utf8')).properties.device).toEqual({ type: 'string' });
  });

  it('never overwrites: a second run exits 1 naming the file, and the edited draft is left as it was', async () => {
    const source = await ndjson('clicks.ndjson', clickRecords(60));
    expect(await runSpecInfer({ source, outDir, sample: 1000 }, io())).toBe(0);
    const specFile = join(outDir, 'clicks.table.yaml');
    await writeFile(specFile, '# edited by hand\n');
    const cli = io();
    expect(await runSpecInfer({ source, outDir, sample: 1000 }, cli)).toBe(1);
    expect(cli.err()).toBe(`catalog-sync spec infer: ${specFile} exists, and spec infer never overwrites a file: move it away, or write elsewhere (another out directory or --table)\n`);
    expect(cli.out()).toBe('');
    expect(await readFile(specFile, 'utf8')).toBe('# edited by hand\n');

    // The schema alone in the way is refused too, before the spec is written.
    await rm(specFile);
    const again = io();
    expect(await runSpecInfer({ source, outDir, sample: 1000 }, again)).toBe(1);
    expect(again.err()).toContain(`${join(outDir, 'clicks.schema.json')} exists`);
    expect((await readdir(outDir)).sort()).toEqual(['clicks.schema.json']);
  });

  it('without an event time: the draft is still written, and its problem lines say event_time (exit 0: the draft is the result)', async () => {
    const source = await ndjson('products.ndjson', productRecords(10));
    const cli = io();
    expect(await runSpecInfer({ source, outDir, sample: 1000 }, cli)).toBe(0);
    const out = cli.out();
    expect(out).toMatch(/^The draft does not load yet; spec check will name these until they are fixed:\n {2}\S+products\.table\.yaml: event_time: an append table needs an event time/m);
    expect(out).toMatch(/^ {2}- No event time:/m);
    expect(await readFile(join(outDir, 'products.table.yaml'), 'utf8')).toMatch(/^# event_time: \{ field: </m);
  });

  it('a file with no JSON object: exit 1 and nothing written', async () => {
    const source = await ndjson('junk.ndjson', [], ['a,b,c', '1,2,3']);
    const cli = io();
    expect(await runSpecInfer({ source, outDir, sample: 1000 }, cli)).toBe(1);
    expect(cli.err()).toBe(`catalog-sync spec infer: ${source} has no JSON object records (2 not JSON objects, the first at line 1): nothing to infer a spec from\n`);
    await expect(readdir(outDir)).rejects.toThrow(/ENOENT/);
  });

  it('a path that does not exist is not taken for a topic: exit 1, no broker needed', async () => {
    const cli = io();
    expect(await runSpecInfer({ source: join(dir, 'missing.ndjson'), outDir, sample: 1000 }, cli)).toBe(1);
    expect(cli.err()).toBe(`catalog-sync spec infer: ${join(dir, 'missing.ndjson')}: no such file\n`);
  });

  it('a topic without KAFKA_BROKERS: exit 78 naming the variable, before any connection, nothing written', async () => {
    const cli = io({});
    expect(await runSpecInfer({ source: 'web-clicks', outDir, sample: 1000 }, cli)).toBe(78);
    expect(cli.err()).toMatch(/^catalog-sync spec infer: web-clicks is not a file, so it is read as a topic: Invalid configuration: KAFKA_BROKERS is required but not set\./);
    await expect(readdir(outDir)).rejects.toThrow(/ENOENT/);
  });

  it.each([
    [{ table: 'Web Clicks' }, /table "Web Clicks" is not a table name/],
    [{ sample: 0 }, /the sample size must be a whole number of records, at least 1/],
  ])('a bad argument %p: exit 2', async (bad, message) => {
    const cli = io();
    expect(await runSpecInfer({ source: 'web-clicks', outDir, sample: 1000, ...bad }, cli)).toBe(2);
    expect(cli.err()).toMatch(message);
  });

  it.each([
    ['web-clicks', 'web_clicks'],
    ['Orders.V2', 'orders_v2'],
    ['2024_exports', 't_2024_exports'],
  ])('table name of %s: %s', (name, table) => {
    expect(tableNameOf(name)).toBe(table);
  });
});
