/**
 * The event-time watermark closes hours: an hour is compacted once the watermark is past its end
 * plus ETL_ALLOWED_LATENESS_MS. It is a max, so one value far ahead closes every live hour, and the
 * live hour is then compacted again each round as new files arrive (issue 14). A staged manifest's
 * `event_time_max_ms` is the highest *Kafka* timestamp of its records, which the sink bounds only at
 * year 9999; an event `ts` may be up to ETL_EVENT_TIME_MAX_FUTURE_MS ahead (device clocks).
 *
 * The rule: event time cannot legitimately be ahead of the wall clock (a device's fast clock dates a
 * play in the future, it does not make the future's data arrive), so
 * - a writer never publishes a watermark beyond its own clock: `min(object's max, now)`, and never
 *   lowers one it published (replayed history is in the past, so it passes unchanged);
 * - the follower that acts on watermarks takes a manifest's value only up to its own clock
 *   (replicas' clocks differ a little: a value a few seconds ahead is cut to now), and ignores one
 *   beyond its own now + ETL_EVENT_TIME_MAX_FUTURE_MS altogether: no clock difference explains that,
 *   only a manifest of a writer without this rule carrying a bogus max, which would otherwise hold
 *   the watermark at the wall clock for as long as that writer runs.
 * Rows with a future `ts` are still written to their hour; that hour closes when the clock has
 * passed it by the lateness, like any other.
 */

/** The watermark a writer publishes for a source partition after an object whose event times reach `objectMaxMs`. */
export function publishedWatermarkMs(previousMs: number | undefined, objectMaxMs: number, nowMs: number): number {
  const bounded = Math.min(objectMaxMs, nowMs);
  return previousMs === undefined ? bounded : Math.max(previousMs, bounded);
}

export type FollowedWatermark = { watermarkMs: number; ignored: false } | { watermarkMs: number | undefined; ignored: true };

/**
 * A table's watermark after a manifest carrying `manifestMs`, as the follower keeps it: never
 * beyond its own clock, never lowered; `ignored` when the manifest's value is past `nowMs + maxFutureMs`.
 */
export function followedWatermarkMs(currentMs: number | undefined, manifestMs: number, nowMs: number, maxFutureMs: number): FollowedWatermark {
  if (manifestMs > nowMs + maxFutureMs) return { watermarkMs: currentMs, ignored: true };
  const bounded = Math.min(manifestMs, nowMs);
  return { watermarkMs: currentMs === undefined ? bounded : Math.max(currentMs, bounded), ignored: false };
}
