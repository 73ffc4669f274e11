/**
 * `spec infer <topic>` against the test broker: it samples from the beginning of every partition,
 * sees committed records only (an aborted transaction's records are not the table's), stops at the
 * end each partition had or at --sample, and leaves no consumer group or offsets behind.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KafkaJs from '@confluentinc/kafka-javascript';
import { closeConsumer, createConsumer, KafkaAdmin, librdkafkaConfig, TransactionalProducer } from '@spotify-pipeline/shared/kafka';
import { loadTableSpec } from '@spotify-pipeline/shared/table-spec';
import { startKafka, uniqueName, type KafkaEndpoint } from '@spotify-pipeline/testkit';
import { runSpecInfer, type SpecInferIo } from '../../src/specs/spec-infer-command';
import { clickRecords } from '../fixtures/sampled-records';

function io(env: Record<string, string>): SpecInferIo & { out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return { env, out: () => out.join(''), err: () => err.join(''), stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } };
}

/** Consumer groups the broker knows, by id. */
async function groupIds(kafka: KafkaEndpoint): Promise<string[]> {
  const client = KafkaJs.AdminClient.create(librdkafkaConfig(kafka.settings, 'spec-infer-test-groups') as never);
  try {
    return await new Promise((resolve, reject) =>
      client.listGroups({ timeout: 10_000 }, (err, result) => (err ? reject(err) : resolve(result.groups.map((g) => g.groupId)))),
    );
  } finally {
    client.disconnect();
  }
}

describe('catalog-sync spec infer <topic> (real broker)', () => {
  let kafka: KafkaEndpoint;
  let env: Record<string, string>;
  let dir: string;
  const topic = uniqueName('spec-infer-clicks');

  beforeAll(async () => {
    kafka = await startKafka();
    env = { KAFKA_BROKERS: kafka.settings.brokers.join(',') };
    dir = await mkdtemp(join(tmpdir(), 'spec-infer-it-'));
    const admin = KafkaAdmin.create(kafka.settings, 'spec-infer-admin');
    await admin.ensureTopics([{ name: topic, partitions: 3, replicationFactor: 1 }]);
    admin.close();
    const producer = await TransactionalProducer.create(kafka.settings, { clientId: 'spec-infer-producer', transactionalId: uniqueName('spec-infer-txn') });
    try {
      // Committed: 90 clicks over the three partitions and one value that is not JSON.
      await producer.begin();
      clickRecords(90).forEach((click, i) => producer.produce({ topic, partition: i % 3, key: String(click.event_id), value: Buffer.from(JSON.stringify(click)) }));
      producer.produce({ topic, partition: 1, key: 'bad', value: Buffer.from('not json') });
      await producer.commit();
      // Aborted: records with a field no committed record has; read_committed never shows them.
      await producer.begin();
      for (let partition = 0; partition < 3; partition++) producer.produce({ topic, partition, key: 'aborted', value: Buffer.from(JSON.stringify({ ...clickRecords(1)[0], aborted_field: true })) });
      // On the log before the abort: otherwise they are purged locally and prove nothing.
      await producer.flush();
      await producer.abort();
    } finally {
      await producer.close();
    }
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    const admin = kafka && KafkaAdmin.create(kafka.settings, 'spec-infer-admin');
    await admin?.deleteTopic(topic).catch(() => undefined);
    admin?.close();
  });

  it('reads every partition to its end (past the transaction markers), drafts a spec that loads, and leaves no group behind', async () => {
    const outDir = join(dir, 'all');
    const cli = io(env);
    const started = Date.now();
    expect(await runSpecInfer({ source: topic, outDir, sample: 1000 }, cli)).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(cli.err()).toBe('');
    const out = cli.out();
    expect(out).toContain(`Sampled 90 records of topic ${topic}.`);
    expect(out).toMatch(/^ {2}- 1 message was not a JSON object, left out of the sample \(first at partition 1 offset \d+\)/m);
    const table = topic.replace(/-/g, '_');
    expect((await readdir(outDir)).sort()).toEqual([`${table}.schema.json`, `${table}.table.yaml`]);
    const spec = await loadTableSpec(join(outDir, `${table}.table.yaml`));
    expect(spec.topics).toEqual([topic]);
    expect(spec.eventTime).toEqual({ column: 'occurred_at_ms', path: ['occurred_at_ms'], format: 'epoch_ms' });
    expect(spec.dedupKey?.column).toBe('event_id');
    expect(spec.columns.map((c) => c.name)).not.toContain('aborted_field');
    // The control: a consumer that commits one offset leaves a group the listing shows.
    const control = uniqueName('spec-infer-control');
    const consumer = await createConsumer(kafka.settings, { clientId: 'spec-infer-control', groupId: control });
    consumer.commitSync({ topic, partition: 0, offset: 1 });
    await closeConsumer(consumer);
    const groups = await groupIds(kafka);
    expect(groups).toContain(control);
    expect(groups.filter((g) => g.startsWith('catalog-sync-spec-infer-'))).toEqual([]);
  });

  it('stops at --sample records', async () => {
    const cli = io(env);
    expect(await runSpecInfer({ source: topic, outDir: join(dir, 'ten'), sample: 10, table: 'ten_clicks' }, cli)).toBe(0);
    expect(cli.out()).toContain(`Sampled 10 records of topic ${topic}.`);
  });

  it('a name that is neither a file nor a topic: exit 1 saying so, nothing written', async () => {
    const missing = uniqueName('spec-infer-missing');
    const cli = io(env);
    expect(await runSpecInfer({ source: missing, outDir: join(dir, 'missing'), sample: 1000 }, cli)).toBe(1);
    expect(cli.err()).toBe(`catalog-sync spec infer: ${missing} is not a file, and the brokers (${env.KAFKA_BROKERS}) have no topic of that name\n`);
    await expect(readdir(join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
  });
});
