import type { Track } from '@spotify-pipeline/shared/schemas';
import type { Logger } from 'pino';
import type { ProducerMetrics } from '../publish/producer-metrics.js';
import type { RecordPublisher } from '../publish/record-publisher.js';

/**
 * Publishes the track dimension to the compacted `tracks` topic, key = track_id, so the topic keeps
 * the latest version of every track and republishing the same catalog (every simulate run does)
 * changes nothing a reader of the compacted topic sees.
 */
export async function publishTracks(
  tracks: Iterable<Track>,
  publisher: RecordPublisher,
  topic: string,
  deps: { metrics: ProducerMetrics; logger: Logger; signal: AbortSignal },
): Promise<number> {
  let published = 0;
  for (const track of tracks) {
    const value = Buffer.from(JSON.stringify(track));
    if (!(await publisher.offer(topic, track.track_id, value, Date.parse(track.updated_at), deps.signal))) break;
    published++;
  }
  deps.metrics.tracksPublished.inc(published);
  deps.logger.info({ topic, published }, 'TracksPublished');
  return published;
}
