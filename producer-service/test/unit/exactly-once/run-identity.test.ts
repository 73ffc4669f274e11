import { readConfig } from '../../../src/config';
import { isExactlyOnceRun, runIdOf, transactionalIdOf } from '../../../src/exactly-once/run-identity';

const base = { KAFKA_BROKERS: 'localhost:9092' };
const settings = (env: Record<string, string>) => readConfig({ ...base, ...env }).producer;

describe('run identity', () => {
  it('is exactly once by default for backfill and replay, never for real time, and can be turned off', () => {
    expect(isExactlyOnceRun(settings({ PRODUCER_BACKFILL: 'true' }))).toBe(true);
    expect(isExactlyOnceRun(settings({ PRODUCER_COMMAND: 'replay', PRODUCER_REPLAY_INPUTS: 'x.json' }))).toBe(true);
    expect(isExactlyOnceRun(settings({}))).toBe(false);
    expect(isExactlyOnceRun(settings({ PRODUCER_BACKFILL: 'true', PRODUCER_EXACTLY_ONCE: 'false' }))).toBe(false);
  });

  it('derives the same run id from the same deterministic settings and a new one from any change', () => {
    const simulate = { PRODUCER_BACKFILL: 'true', PRODUCER_SEED: '7', PRODUCER_EVENTS: '1000' };
    const id = runIdOf(settings(simulate), 'events', 0);
    expect(runIdOf(settings(simulate), 'events', 0)).toBe(id);
    // Not part of the stream: pacing and the summary path.
    expect(runIdOf(settings({ ...simulate, PRODUCER_MAX_RATE: '10', PRODUCER_SUMMARY_FILE: '/tmp/s.json' }), 'events', 0)).toBe(id);
    const changes: Array<Record<string, string>> = [{ PRODUCER_SEED: '8' }, { PRODUCER_EVENTS: '1001' }, { PRODUCER_USERS: '3' }, { PRODUCER_TRACKS: '300' }, { PRODUCER_DAYS: '2' }, { PRODUCER_MALFORMED_RATIO: '0.1' }];
    for (const changed of changes) {
      expect(runIdOf(settings({ ...simulate, ...changed }), 'events', 0)).not.toBe(id);
    }
    expect(runIdOf(settings(simulate), 'events', 3_600_000)).not.toBe(id);
    expect(runIdOf(settings(simulate), 'other-topic', 0)).not.toBe(id);
    const replay = { PRODUCER_COMMAND: 'replay', PRODUCER_REPLAY_INPUTS: 'a.json,b.json' };
    expect(runIdOf(settings(replay), 'events', undefined)).not.toBe(runIdOf(settings({ ...replay, PRODUCER_REPLAY_INPUTS: 'a.json' }), 'events', undefined));
    expect(runIdOf(settings({ ...simulate, PRODUCER_RUN_ID: 'nightly' }), 'events', 0)).toBe('nightly');
    expect(transactionalIdOf('nightly')).toBe('producer-service.nightly');
  });
});
