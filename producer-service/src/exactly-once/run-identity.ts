import { createHash } from 'node:crypto';
import type { ProducerSettings } from '../config.js';

/** Backfill and replay end on their own, so they can resume; a real-time simulation never ends. */
export function isExactlyOnceRun(settings: ProducerSettings): boolean {
  return settings.exactlyOnce && (settings.command === 'replay' || settings.backfill);
}

/**
 * The run id: PRODUCER_RUN_ID, or a hash of the command, the events topic and every setting that
 * shapes the deterministic stream (`startMs` is the resolved start, so a backfill without --start
 * is the same run only within the hour it was started). The same command line therefore resumes
 * the same run, and any other setting starts a new one.
 */
export function runIdOf(settings: ProducerSettings, topic: string, startMs: number | undefined): string {
  if (settings.runId) return settings.runId;
  const stream: Record<string, unknown> =
    settings.command === 'simulate'
      ? {
          topic,
          seed: settings.seed,
          startMs,
          days: settings.days,
          events: settings.events,
          users: settings.users,
          tracks: settings.tracks,
          sessionsPerUserPerDay: settings.sessionsPerUserPerDay,
          malformedRatio: settings.malformedRatio,
          // The model's settings change the stream too (the realism resolved, as simulate-command does).
          realism: settings.realism ?? (settings.backfill ? 'export' : 'clean'),
          exportQuirkRates: settings.exportQuirkRates,
          repeatShare: settings.repeatShare,
        }
      : {
          topic,
          inputs: settings.replayInputs,
          userId: settings.replayUserId,
          fallbackUserId: settings.replayFallbackUserId,
          strict: settings.strict,
        };
  const canonical = JSON.stringify(Object.keys(stream).sort().map((key) => [key, stream[key] ?? null]));
  return `${settings.command}-${createHash('sha256').update(canonical).digest('hex').slice(0, 20)}`;
}

/** The transactional id of a run: stable across restarts, so initTransactions fences the crashed process. */
export function transactionalIdOf(runId: string): string {
  return `producer-service.${runId}`;
}
