import { PipelineError } from '@spotify-pipeline/shared/errors';
import type { OutgoingRecord, TransactionalProducer } from '@spotify-pipeline/shared/kafka';
import { decodeCheckpoint, type RunCheckpoint } from '../../../src/exactly-once/run-checkpoint';

export const CHECKPOINTS = 'checkpoints';

/**
 * A broker's view of one transactional id: records of a committed transaction become visible
 * (read_committed), those of an aborted or unfinished one never do. `failCommits` makes the next
 * commits fail with the given errors (a broker restarting). Like librdkafka, produce refuses a
 * record over `messageMaxBytes` (key + value + 36 bytes of framing) with RECORD_TOO_LARGE.
 */
export class FakeTransactions {
  committed: OutgoingRecord[] = [];
  open: OutgoingRecord[] = [];
  active = false;
  commits = 0;
  aborts = 0;
  failCommits: PipelineError[] = [];

  constructor(private readonly messageMaxBytes = 1_000_000) {}

  /** A new process: initTransactions with the same id aborts what the previous one left open. */
  producer(): TransactionalProducer {
    this.open = [];
    this.active = false;
    return {
      begin: async () => {
        this.active = true;
      },
      produce: (record: OutgoingRecord) => {
        if (!this.active) throw new Error('produce outside a transaction');
        const bytes = 36 + (record.key ? Buffer.byteLength(record.key) : 0) + record.value.length;
        if (bytes > this.messageMaxBytes) throw new PipelineError('RECORD_TOO_LARGE', `produce to ${record.topic} failed: Broker: Message size too large (code 10)`, { retriable: false });
        // librdkafka copies the value on produce; the caller may reuse its buffer right after.
        this.open.push({ ...record, value: Buffer.from(record.value) });
      },
      commit: async () => {
        const failure = this.failCommits.shift();
        if (failure) throw failure;
        this.committed.push(...this.open);
        this.open = [];
        this.active = false;
        this.commits++;
      },
      abort: async () => {
        this.aborts++;
        this.open = [];
        this.active = false;
      },
      close: async () => {
        this.open = [];
      },
    } as unknown as TransactionalProducer;
  }

  /** What a restart reads: the last committed checkpoint of the run. */
  lastCheckpoint(runId: string): RunCheckpoint | undefined {
    const found = this.committed.filter((r) => r.topic === CHECKPOINTS && r.key === runId).at(-1);
    return found ? decodeCheckpoint(found.value, runId) : undefined;
  }

  events(): string[] {
    return this.committed.filter((r) => r.topic === 'events').map((r) => r.value.toString('utf8'));
  }
}

