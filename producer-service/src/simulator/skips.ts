import { WeightedChoice, type Prng } from './prng.js';
import type { AgeGroup } from './users.js';

/**
 * How a playback ends, calibrated on Lamere (2014, a billion Spotify plays): 24.1% of plays stop
 * within 5 s, 29.0% within 10 s, 35.1% within 30 s, 48.6% before the end; 51% on mobile against
 * 40% on desktop; more in the morning, at weekends and among the young.
 */
export const EARLY_STOP_MOBILE = 0.5;
export const EARLY_STOP_DESKTOP = 0.39;

/** Where an early stop lands, given that it happens: 24.1/48.6 within 5 s, and so on. */
const EARLY_STOP_BANDS = [
  { share: 24.1 / 48.6, fromMs: 0, toMs: 5_000 },
  { share: 4.9 / 48.6, fromMs: 5_000, toMs: 10_000 },
  { share: 6.1 / 48.6, fromMs: 10_000, toMs: 30_000 },
  { share: 13.5 / 48.6, fromMs: 30_000, toMs: Number.POSITIVE_INFINITY },
] as const;

const AGE_FACTOR: Record<AgeGroup, number> = { young: 1.08, adult: 1, older: 0.88 };

/** Reasons a user moves on mid-track, and reasons a session stops mid-track. */
const SKIP_REASONS = ['fwdbtn', 'backbtn', 'clickrow', 'clickside', 'remote', 'popup', 'trackerror'] as const;
const SKIP_WEIGHTS = [72, 10, 9, 3, 2, 1, 3];
const USER_SKIPS = new Set(['fwdbtn', 'backbtn', 'clickrow', 'clickside']);
const SESSION_STOP_REASONS = ['endplay', 'logout', 'unexpected-exit', 'unexpected-exit-while-paused', 'remote'] as const;
const SESSION_STOP_WEIGHTS = [55, 15, 15, 10, 5];
const skipReasons = new WeightedChoice(SKIP_REASONS, SKIP_WEIGHTS);
const sessionStopReasons = new WeightedChoice(SESSION_STOP_REASONS, SESSION_STOP_WEIGHTS);
const episodeEndReasons = new WeightedChoice(['endplay', 'logout', 'fwdbtn', 'unexpected-exit', 'remote'], [50, 20, 12, 12, 6]);

export const SESSION_START_REASONS = ['appload', 'clickrow', 'playbtn', 'uriopen', 'remote', 'popup'] as const;
export const SESSION_START_WEIGHTS = [30, 32, 20, 8, 6, 4];
export const sessionStartReasons = new WeightedChoice(SESSION_START_REASONS, SESSION_START_WEIGHTS);

/** What shapes the skip rate: the same for every play of a session (made once per session). */
export interface PlaybackContext {
  mobile: boolean;
  morning: boolean;
  weekend: boolean;
  ageGroup: AgeGroup;
}

export interface PlaybackOutcome {
  msPlayed: number;
  reasonEnd: string;
  skipped: boolean;
}

export function earlyStopProbability(context: PlaybackContext): number {
  const base = context.mobile ? EARLY_STOP_MOBILE : EARLY_STOP_DESKTOP;
  return base * AGE_FACTOR[context.ageGroup] * (context.morning ? 1.06 : 1) * (context.weekend ? 1.03 : 1);
}

function earlyStopMs(rng: Prng, durationMs: number): number {
  // Leave a margin before the end so "stopped early" never reads as a completed play.
  const latest = Math.max(1_000, Math.min(durationMs * 0.97, durationMs - 3_000));
  let r = rng.next();
  for (const band of EARLY_STOP_BANDS) {
    if (r < band.share) {
      const to = Math.min(band.toMs, latest);
      const from = Math.min(band.fromMs, to);
      // Within 5 s, most stops are in the first second or two.
      const u = band.fromMs === 0 ? Math.pow(rng.next(), 1.4) : rng.next();
      return Math.floor(from + u * (to - from));
    }
    r -= band.share;
  }
  return Math.floor(latest * rng.next());
}

/** `lastInSession`: the session ends with this play, so an early stop is an app close, not a skip. */
export function musicOutcome(rng: Prng, durationMs: number, context: PlaybackContext, lastInSession: boolean): PlaybackOutcome {
  if (!rng.chance(earlyStopProbability(context))) {
    // Completed: ms_played lands a few hundred ms short of the duration, as in real exports.
    return { msPlayed: durationMs - rng.int(400), reasonEnd: 'trackdone', skipped: false };
  }
  const msPlayed = earlyStopMs(rng, durationMs);
  if (lastInSession) {
    return { msPlayed, reasonEnd: sessionStopReasons.pick(rng), skipped: false };
  }
  const reasonEnd = skipReasons.pick(rng);
  return { msPlayed, reasonEnd, skipped: USER_SKIPS.has(reasonEnd) };
}

/** Podcasts are rarely skipped but often left unfinished. */
export function episodeOutcome(rng: Prng, durationMs: number): PlaybackOutcome {
  if (rng.chance(0.35)) return { msPlayed: durationMs - rng.int(2_000), reasonEnd: 'trackdone', skipped: false };
  const msPlayed = Math.floor(durationMs * rng.next() * 0.95);
  const reasonEnd = episodeEndReasons.pick(rng);
  return { msPlayed, reasonEnd, skipped: reasonEnd === 'fwdbtn' };
}

/** The next play's `reason_start` follows from how the previous one ended. */
export function nextReasonStart(previousReasonEnd: string): string {
  switch (previousReasonEnd) {
    case 'trackdone':
    case 'fwdbtn':
    case 'backbtn':
    case 'clickrow':
    case 'clickside':
    case 'remote':
    case 'popup':
    case 'trackerror':
      return previousReasonEnd;
    default:
      return 'clickrow';
  }
}
