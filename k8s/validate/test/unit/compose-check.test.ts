import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkCompose } from '../../src/compose-check';

/** The compose override that runs the lake half against your own topic, merged as docker compose merges it. */
const repoRoot = path.resolve(__dirname, '../../../..');
const composeFile = path.join(repoRoot, 'docker-compose.yml');
const ownTopic = path.join(repoRoot, 'deploy/compose/own-topic.yaml');

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'compose-check-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function overrideWith(change: (text: string) => string): string {
  const file = path.join(scratch, `override-${Math.random().toString(36).slice(2)}.yaml`);
  const text = readFileSync(ownTopic, 'utf8');
  const changed = change(text);
  if (changed === text) throw new Error('the change did not apply');
  writeFileSync(file, changed);
  return file;
}

describe('compose without the simulator (deploy/compose/own-topic.yaml)', () => {
  it('passes: producer-service behind a profile, the lake services and the live page on one source topic', async () => {
    expect(await checkCompose(repoRoot, composeFile, [ownTopic])).toEqual([]);
    const override = readFileSync(ownTopic, 'utf8');
    expect(override).toMatch(/producer-service:\n {4}profiles: \[simulator\]/);
  }, 60_000);

  it('fails when one lake service reads another topic than the others', async () => {
    const file = overrideWith((text) => text.replace(/(etl-worker:\n {4}environment:\n {6}TOPICS_LISTENING_EVENTS: )\$\{SOURCE_TOPIC[^}]*\}/, '$1listening-events'));
    const messages = (await checkCompose(repoRoot, composeFile, [file])).map((f) => f.message);
    expect(messages).toEqual([expect.stringMatching(/^consumer-service, etl-worker, catalog-sync, insights-service disagree on TOPICS_LISTENING_EVENTS: /)]);
  }, 60_000);

  it('fails when the merged file breaks the compose schema or the wiring', async () => {
    const file = overrideWith((text) => text.replace('  producer-service:\n    profiles: [simulator]', '  producer-service:\n    profiles: simulator\n  catalog-sync:\n    restart: sometimes').replace(/\n  catalog-sync:\n {4}environment:/, '\n  etl-worker-extra:\n    environment:'));
    const findings = await checkCompose(repoRoot, composeFile, [file]);
    expect(findings.map((f) => f.check)).toEqual(expect.arrayContaining(['dclint (compose schema)', 'compose wiring']));
    expect(findings.map((f) => f.message)).toEqual(expect.arrayContaining([expect.stringContaining('ComposeValidationError'), 'catalog-sync: needs a restart policy']));
  }, 60_000);
});
