import { PipelineError } from '@spotify-pipeline/shared/errors';
import type { ProducerSettings } from '../config.js';
import { RateLimiter } from '../publish/rate-limiter.js';
import { RejectsFile, rejectsPath } from '../replay/rejects-file.js';
import { ReplayProgress, type ProgressSink } from '../replay/replay-progress.js';
import { runReplay } from '../replay/replay-run.js';
import type { CommandDeps } from './simulate-command.js';

/** `messageMaxBytes`: KAFKA_MESSAGE_MAX_BYTES, the producers' message.max.bytes. */
export async function replayCommand(settings: ProducerSettings, deps: CommandDeps & { progress?: ProgressSink; messageMaxBytes: number }): Promise<void> {
  if (!settings.replayInputs || settings.replayInputs.length === 0) {
    throw new PipelineError('CONFIG_INVALID', 'replay needs inputs: pass files, folders or zips, or set PRODUCER_REPLAY_INPUTS');
  }
  await runReplay(
    {
      publisher: deps.exactlyOnce ?? deps.publisher,
      checkpoints: deps.exactlyOnce,
      summary: deps.summary,
      metrics: deps.metrics,
      progress: new ReplayProgress(deps.progress, deps.now),
      limiter: settings.maxRate > 0 ? new RateLimiter(settings.maxRate) : undefined,
      logger: deps.logger,
      rejects: new RejectsFile(rejectsPath(settings)),
    },
    {
      topic: deps.topics.listeningEvents,
      inputs: settings.replayInputs,
      strict: settings.strict,
      signal: deps.signal,
      userId: settings.replayUserId,
      fallbackUserId: settings.replayFallbackUserId,
      limits: { maxElementChars: settings.replayMaxElementChars, maxDepth: settings.replayMaxDepth },
      messageMaxBytes: deps.messageMaxBytes,
    },
  );
}
