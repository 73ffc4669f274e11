import { Writable } from 'node:stream';
import { committedOffsets, findRetentionLosses, OFFSET_NOT_COMMITTED, reportRetentionLosses, retentionLossCounter, type KafkaConsumer } from '@spotify-pipeline/shared/kafka';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { Registry } from '@spotify-pipeline/shared/metrics';

const starts = new Map([
  ['events:0', 40],
  ['events:1', 50],
  ['events:2', 0],
  ['manifests:0', 7],
]);

describe('findRetentionLosses', () => {
  it('reports a committed offset below the log start, with the count between them', () => {
    expect(findRetentionLosses([{ topic: 'events', partition: 0, offset: 10 }], starts)).toEqual([
      { topic: 'events', partition: 0, committedOffset: 10, logStartOffset: 40, lostRecords: 30 },
    ]);
  });

  it('reports nothing for an offset at or above the log start, nor where the group never committed', () => {
    expect(
      findRetentionLosses(
        [
          { topic: 'events', partition: 0, offset: 40 }, // exactly the first retained record: nothing lost
          { topic: 'events', partition: 1, offset: 80 },
          { topic: 'events', partition: 2, offset: -1001 }, // no commit: a new group starts at the log start
          { topic: 'manifests', partition: 0, offset: -1001 },
          { topic: 'unknown', partition: 0, offset: 3 }, // no log start known: no guess

        ],
        starts,
      ),
    ).toEqual([]);
  });
});

describe('reportRetentionLosses', () => {
  it('logs one error line per topic and counts every partition', async () => {
    const chunks: string[] = [];
    const logger = createLogger({ service: 'test' }, new Writable({ write: (c, _e, done) => (chunks.push(c.toString()), done()) }));
    const registry = new Registry();
    const lostRecords = retentionLossCounter({ name: 'pipeline_etl_worker_kafka_records_lost_to_retention_total', registers: [registry] });
    reportRetentionLosses(
      [
        { topic: 'events', partition: 0, committedOffset: 10, logStartOffset: 40, lostRecords: 30 },
        { topic: 'events', partition: 3, committedOffset: 5, logStartOffset: 7, lostRecords: 2 },
        { topic: 'manifests', partition: 1, committedOffset: 0, logStartOffset: 1, lostRecords: 1 },
      ],
      'etl',
      { logger, lostRecords },
    );
    const lines = chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.msg, l.level, l.topic, l.groupId, l.lostRecords])).toEqual([
      ['RecordsLostToRetention', 'error', 'events', 'etl', 32],
      ['RecordsLostToRetention', 'error', 'manifests', 'etl', 1],
    ]);
    expect(lines[0]!.partitions).toEqual([
      { partition: 0, committedOffset: 10, logStartOffset: 40, lostRecords: 30 },
      { partition: 3, committedOffset: 5, logStartOffset: 7, lostRecords: 2 },
    ]);
    const metric = registry.getSingleMetric('pipeline_etl_worker_kafka_records_lost_to_retention_total')!;
    expect((await metric.get()).values).toEqual([
      { labels: { topic: 'events', partition: '0' }, value: 30 },
      { labels: { topic: 'events', partition: '3' }, value: 2 },
      { labels: { topic: 'manifests', partition: '1' }, value: 1 },
    ]);
  });

  it('logs and counts nothing when nothing was lost', async () => {
    const chunks: string[] = [];
    const logger = createLogger({ service: 'test' }, new Writable({ write: (c, _e, done) => (chunks.push(c.toString()), done()) }));
    const registry = new Registry();
    reportRetentionLosses([], 'etl', { logger, lostRecords: retentionLossCounter({ name: 'pipeline_etl_worker_kafka_records_lost_to_retention_total', registers: [registry] }) });
    expect(chunks).toEqual([]);
    expect((await registry.getSingleMetric('pipeline_etl_worker_kafka_records_lost_to_retention_total')!.get()).values).toEqual([]);
  });
});

describe('committedOffsets', () => {
  it('reads a partition the group never committed on as OFFSET_NOT_COMMITTED, also when the client leaves the offset out', async () => {
    // A group that has committed nothing gets its partitions back without an offset (seen on a real
    // broker); compared as is, it read as a loss of NaN records.
    const consumer = {
      committed: (_: unknown, __: number, done: (err: unknown, offsets: unknown) => void) =>
        done(null, [{ topic: 'events', partition: 0 }, { topic: 'events', partition: 1, offset: -1001 }, { topic: 'events', partition: 2, offset: 7 }]),
    } as unknown as KafkaConsumer;
    const committed = await committedOffsets(consumer, [0, 1, 2].map((partition) => ({ topic: 'events', partition })));
    expect(committed).toEqual([
      { topic: 'events', partition: 0, offset: OFFSET_NOT_COMMITTED },
      { topic: 'events', partition: 1, offset: -1001 },
      { topic: 'events', partition: 2, offset: 7 },
    ]);
    expect(findRetentionLosses(committed, starts)).toEqual([]);
  });
});
