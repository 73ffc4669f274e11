import type { Prng } from './prng.js';

/**
 * `--realism export`: the quirks of real Extended Streaming History exports (docs/spotify-data.md), so
 * the ETL's cleaning and the lake's queries meet the data they will meet. `clean` is the stream an
 * ideal client would log: millisecond times, every flag set, offline_timestamp only on offline plays.
 *
 * Documented facts are applied by period, as exports show them:
 * - `ts` in whole seconds (`2014-07-27T20:34:47Z`), every row;
 * - `skipped` false on every row from 2015-04 to 2022-10; null before (unconfirmed: exports that old
 *   are rare), derived from how the play ended after;
 * - free-text platforms (`Android OS 9 API 28 (samsung, SM-G960F)`) before the late-2023 vocabulary;
 * - `""` reasons in old data (before 2017 here); audiobook rows from late 2023 (Premium audiobooks);
 * - offline plays synced later: some syncs stamp every play of the session at the sync, so a user's
 *   plays overlap, and `offline_timestamp` alone tells when they were played.
 * The rates below are ours: no source counts these quirks. Each is a setting
 * (PRODUCER_EXPORT_QUIRK_RATES, e.g. `unknown-country=0.01,offline-sync=0.5`).
 */
export const DEFAULT_QUIRK_RATES = {
  /** Sessions whose country is unknown (`ZZ`). */
  'unknown-country': 0.004,
  /** Sessions logged with null shuffle, offline and incognito flags. */
  'null-flags': 0.01,
  /** Plays (before 2017) with `""` as reason_start and reason_end. */
  'empty-reasons': 0.05,
  /** Plays with null reasons. */
  'null-reasons': 0.003,
  /** Offline sessions whose plays are all stamped at the sync (overlapping times). */
  'offline-sync': 0.35,
  /** Online plays that still carry an offline_timestamp. */
  'online-offline-timestamp': 0.6,
  /** offline_timestamp in seconds instead of milliseconds (the "tiny" values). */
  'offline-timestamp-seconds': 0.05,
  /** offline_timestamp garbage: a small number unrelated to the play. */
  'offline-timestamp-garbage': 0.01,
  /** Tracks whose recording also has a second URI (relinked or re-released), played under it half the time. */
  'alternate-uri': 0.05,
  /** Plays of the user's local files: no URIs, names kept. */
  'local-files': 0.003,
  /** Share of an audiobook listener's sessions that are audiobook chapters. */
  audiobooks: 0.35,
} as const;

export type QuirkName = keyof typeof DEFAULT_QUIRK_RATES;
export type QuirkRates = Record<QuirkName, number>;
export type RealismMode = 'clean' | 'export';

export const QUIRK_NAMES = Object.keys(DEFAULT_QUIRK_RATES) as QuirkName[];

/** Period boundaries (UTC). */
export const SKIPPED_ALWAYS_FALSE_FROM_MS = Date.UTC(2015, 3, 1);
export const SKIPPED_ALWAYS_FALSE_UNTIL_MS = Date.UTC(2022, 10, 1);
export const MODERN_PLATFORMS_FROM_MS = Date.UTC(2023, 9, 1);
export const EMPTY_REASONS_UNTIL_MS = Date.UTC(2017, 0, 1);
export const AUDIOBOOKS_FROM_MS = Date.UTC(2023, 9, 1);

/** `key=rate,…` over DEFAULT_QUIRK_RATES; unknown names and rates outside [0, 1] are errors. */
export function parseQuirkRates(text: string | undefined): QuirkRates {
  const rates: QuirkRates = { ...DEFAULT_QUIRK_RATES };
  for (const entry of (text ?? '').split(',').map((part) => part.trim()).filter(Boolean)) {
    const [name, value, ...rest] = entry.split('=');
    const rate = Number(value);
    if (rest.length > 0 || !QUIRK_NAMES.includes(name as QuirkName) || value === undefined || !(rate >= 0 && rate <= 1)) {
      throw new RangeError(`"${entry}": expected name=rate with a rate in [0, 1] and a name among ${QUIRK_NAMES.join(', ')}`);
    }
    rates[name as QuirkName] = rate;
  }
  return rates;
}

/** `skipped` as an export of that period has it. */
export function periodSkipped(eventTimeMs: number, derived: boolean): boolean | null {
  if (eventTimeMs < SKIPPED_ALWAYS_FALSE_FROM_MS) return null;
  if (eventTimeMs < SKIPPED_ALWAYS_FALSE_UNTIL_MS) return false;
  return derived;
}

/** The old free-text platform strings (before the late-2023 vocabulary), one device per session. */
const OLD_PLATFORMS: Record<string, readonly string[]> = {
  android: ['Android OS 9 API 28 (samsung, SM-G960F)', 'Android OS 11 API 30 (Xiaomi, M2007J20CG)', 'Android OS 12 API 31 (Google, Pixel 6)', 'Android OS 7.0 API 24 (HUAWEI, VTR-L09)'],
  ios: ['iOS 12.1.4 (iPhone10,6)', 'iOS 14.4 (iPhone12,1)', 'iOS 15.2 (iPhone13,2)', 'iOS 10.3.3 (iPad6,11)'],
  windows: ['Windows 10 (10.0.19041; x64)', 'Windows 10 (10.0.17134; x64; AppX)', 'web_player windows 10;chrome 120.0.0.0;desktop', 'Windows 7 (6.1.7601; x64; SP1; S)'],
  osx: ['OS X 10.14.6 [x86 8]', 'OS X 11.6.0 [arm 2]', 'web_player osx 10.15.7;safari 14.1;desktop'],
  linux: ['Linux [x86-64 0]', 'web_player linux ;firefox 115.0;desktop'],
  not_applicable: ['Partner google cast_tv', 'Partner sonos_speaker Sonos One'],
};

export function periodPlatform(platform: string, sessionStartMs: number, rng: Prng): string {
  if (sessionStartMs >= MODERN_PLATFORMS_FROM_MS) return platform;
  const old = OLD_PLATFORMS[platform];
  return old ? rng.pick(old) : platform;
}

/** offline_timestamp of an online play in an export: often set, sometimes in seconds, now and then garbage. */
export function onlineOfflineTimestamp(rates: QuirkRates, playStartMs: number, rng: Prng): number | null {
  if (!rng.chance(rates['online-offline-timestamp'])) return null;
  return oddOfflineTimestamp(rates, playStartMs, rng);
}

/** The play start in ms, or the odd values exports hold instead. */
export function oddOfflineTimestamp(rates: QuirkRates, playStartMs: number, rng: Prng): number {
  const r = rng.next();
  if (r < rates['offline-timestamp-garbage']) return rng.int(1_000_000);
  if (r < rates['offline-timestamp-garbage'] + rates['offline-timestamp-seconds']) return Math.floor(playStartMs / 1000);
  return playStartMs;
}
