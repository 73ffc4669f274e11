import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { envInt, envString } from '@spotify-pipeline/shared/config';
import { BEGIN_MARKER, describeStaleness, END_MARKER, regenerate, staleness } from '../../../src/config-reference/generated-section';
import { SERVICE_CONFIGS, type ServiceConfig } from '../../../src/config-reference/service-configs';

const REFERENCE = join(__dirname, '..', '..', '..', '..', 'docs', 'configuration.md');

describe('docs/configuration.md', () => {
  it('is what npm run docs:config generates from the services\' config schemas', () => {
    const result = staleness(readFileSync(REFERENCE, 'utf8'), SERVICE_CONFIGS);
    if (!result.current) throw new Error(describeStaleness('docs/configuration.md', result));
  });
});

describe('the configuration reference check', () => {
  const fixture = (extra: z.ZodRawShape = {}): ServiceConfig[] => [
    {
      service: 'fixture-service',
      role: 'a service made up for this test',
      schema: z.strictObject({
        kafka: z.strictObject({ brokers: envString('bootstrap servers') }),
        worker: z.strictObject({ flushIntervalMs: envInt('flush after this long', 1).default(60_000), ...extra }).prefault({}),
      }),
    },
  ];
  const handWritten = `# Reference\n\nHand-written intro.\n\n${BEGIN_MARKER}\n${END_MARKER}\n\n## Outside the schemas\nHand-written too.\n`;

  it('passes for a freshly generated document and keeps the hand-written parts', () => {
    const doc = regenerate(handWritten, fixture());
    expect(staleness(doc, fixture())).toEqual({ current: true, undocumented: [], unknown: [] });
    expect(doc).toContain('| `WORKER_FLUSH_INTERVAL_MS` | integer >= 1 | `60000` (1 min) | ms | flush after this long |');
    expect(doc).toContain('| `KAFKA_BROKERS` | string | **required** |  | bootstrap servers |');
    expect(doc.startsWith('# Reference\n\nHand-written intro.\n\n')).toBe(true);
    expect(doc.endsWith(`${END_MARKER}\n\n## Outside the schemas\nHand-written too.\n`)).toBe(true);
    // Regenerating is idempotent: a current document is left byte for byte.
    expect(regenerate(doc, fixture())).toBe(doc);
  });

  it('fails when a variable is added to a schema without regenerating, naming the variable and the fix', () => {
    const committed = regenerate(handWritten, fixture());
    const withNewVariable = fixture({ maxInflight: envInt('uploads at once', 1).default(4) });
    const result = staleness(committed, withNewVariable);
    expect(result).toEqual({ current: false, undocumented: ['WORKER_MAX_INFLIGHT'], unknown: [] });
    expect(describeStaleness('docs/configuration.md', result)).toBe(
      'docs/configuration.md is out of date with the config schemas (not documented: WORKER_MAX_INFLIGHT). Fix: run npm run docs:config and commit the result.',
    );
    // ...and passes again once regenerated.
    expect(staleness(regenerate(committed, withNewVariable), withNewVariable).current).toBe(true);
  });

  it('fails when a variable is removed, or only its default or description changes', () => {
    const committed = regenerate(handWritten, fixture({ maxInflight: envInt('uploads at once', 1).default(4) }));
    expect(staleness(committed, fixture())).toEqual({ current: false, undocumented: [], unknown: ['WORKER_MAX_INFLIGHT'] });
    const newDefault = fixture({ maxInflight: envInt('uploads at once', 1).default(8) });
    expect(staleness(committed, newDefault)).toEqual({ current: false, undocumented: [], unknown: [] });
    const newText = fixture({ maxInflight: envInt('uploads running at once', 1).default(4) });
    expect(staleness(committed, newText).current).toBe(false);
  });

  it('fails when a table row is edited by hand', () => {
    const committed = regenerate(handWritten, fixture());
    expect(staleness(committed.replace('flush after this long', 'flush often'), fixture()).current).toBe(false);
  });

  it('refuses a document without the generated section instead of guessing where it goes', () => {
    expect(() => regenerate('# Reference\n', fixture())).toThrow(/BEGIN GENERATED/);
  });
});
