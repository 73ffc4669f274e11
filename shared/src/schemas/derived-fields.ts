/**
 * The derived listening-event fields that more than one reader computes: the ETL writes them into
 * the lake as SQL (DuckDB), insights-service computes them live in JavaScript. Both forms come from
 * the one definition here, so a live figure and the lake's answer for the same events agree
 * (etl-worker's listening-events-sql test runs both forms over the same values).
 */

/**
 * Platform families from Spotify's `platform` field, which is free text in older exports
 * (`Android OS 9 API 28 (samsung, SM-G960F)`, `web_player windows 10;chrome ...`) and a short
 * token since late 2023 (`android`, `ios`, `windows`, `osx`, `linux`). First matching rule wins,
 * so the specific (cars, TVs, browsers) come before the operating systems they run on.
 * Patterns are written in the common subset of RE2 (DuckDB `regexp_matches`) and JavaScript regular
 * expressions (ASCII `\b`, no look-around, no flags), matched against the lower-cased value.
 */
export const PLATFORM_FAMILY_RULES: ReadonlyArray<{ family: string; pattern: string }> = [
  { family: 'car', pattern: 'android.?auto|carplay|\\bcar\\b|automotive|vehicle' },
  { family: 'tv', pattern: '\\btv\\b|smart.?tv|tizen|webos|roku|fire.?tv|android_tv|apple.?tv|tvos|chromecast.?tv' },
  { family: 'console', pattern: 'playstation|\\bps[345]\\b|xbox|nintendo' },
  { family: 'speaker', pattern: 'sonos|speaker|google.?home|nest.?(audio|hub|mini)|amazon.?echo|alexa|bose|cast.?audio|homepod' },
  { family: 'web', pattern: '^web|web.?player|webplayer|browser|chrome|firefox|safari|edge/' },
  { family: 'android', pattern: 'android' },
  { family: 'ios', pattern: '^ios|\\bios\\b|iphone|ipad|ipod' },
  { family: 'desktop', pattern: 'windows|\\bosx\\b|os x|macos|mac os|\\bmac\\b|linux|ubuntu|desktop' },
];

export const PLATFORM_FAMILY_FALLBACK = 'other';

/** Every value `platform_family` takes: a closed list, so a breakdown by family is bounded. */
export const PLATFORM_FAMILIES: readonly string[] = [...PLATFORM_FAMILY_RULES.map((r) => r.family), PLATFORM_FAMILY_FALLBACK];

/** `reason_end` values that mean the listener moved on before the end (with `skipped`, the lake's `is_skip`). */
export const SKIP_REASONS_END: readonly string[] = ['fwdbtn', 'backbtn', 'endplay'];

/** Every value `content_type` takes. */
export const CONTENT_TYPES = ['track', 'episode', 'audiobook', 'unknown'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

const sqlString = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** The SQL expression for `platform_family` over a platform column. */
export function platformFamilySql(column: string): string {
  const lowered = `lower(${column})`;
  const arms = PLATFORM_FAMILY_RULES.map((rule) => `WHEN regexp_matches(${lowered}, ${sqlString(rule.pattern)}) THEN ${sqlString(rule.family)}`);
  return `CASE ${arms.join(' ')} ELSE ${sqlString(PLATFORM_FAMILY_FALLBACK)} END`;
}

const COMPILED_RULES = PLATFORM_FAMILY_RULES.map((rule) => ({ family: rule.family, pattern: new RegExp(rule.pattern) }));

/** `platform_family` of one platform value, as platformFamilySql computes it. */
export function platformFamilyOf(platform: string): string {
  const lowered = platform.toLowerCase();
  for (const rule of COMPILED_RULES) if (rule.pattern.test(lowered)) return rule.family;
  return PLATFORM_FAMILY_FALLBACK;
}

/** The SQL expression for `is_skip` over an event row alias (`e` → `e.skipped`, `e.reason_end`). */
export function isSkipSql(alias: string): string {
  return `coalesce(${alias}.skipped, false) OR coalesce(${alias}.reason_end IN (${SKIP_REASONS_END.map(sqlString).join(', ')}), false)`;
}

const SKIP_REASON_SET: ReadonlySet<string> = new Set(SKIP_REASONS_END);

/** `is_skip` of one event, as isSkipSql computes it (a null flag or reason counts as not skipped). */
export function isSkipOf(event: { skipped: boolean | null; reason_end: string | null }): boolean {
  return event.skipped === true || (event.reason_end !== null && SKIP_REASON_SET.has(event.reason_end));
}

/** The SQL expression for `content_type` over an event row alias. */
export function contentTypeSql(alias: string): string {
  return (
    `CASE WHEN ${alias}.track_uri IS NOT NULL THEN 'track' WHEN ${alias}.episode_uri IS NOT NULL THEN 'episode' ` +
    `WHEN ${alias}.audiobook_uri IS NOT NULL OR ${alias}.audiobook_chapter_uri IS NOT NULL THEN 'audiobook' ELSE 'unknown' END`
  );
}

/** `content_type` of one event, as contentTypeSql computes it. */
export function contentTypeOf(event: {
  track_uri: string | null;
  episode_uri: string | null;
  audiobook_uri: string | null;
  audiobook_chapter_uri: string | null;
}): ContentType {
  if (event.track_uri !== null) return 'track';
  if (event.episode_uri !== null) return 'episode';
  if (event.audiobook_uri !== null || event.audiobook_chapter_uri !== null) return 'audiobook';
  return 'unknown';
}

/**
 * The SQL of every derived listening-event column, in DERIVED_LISTENING_COLUMNS order, over the
 * event alias `e` and the tracks lookup `d` (duration_ms by track uri). The built-in
 * listening_events table spec carries these expressions, and the ETL writes them.
 */
export const LISTENING_DERIVED_SQL: ReadonlyArray<readonly [string, string]> = [
  ['platform_family', platformFamilySql('e.platform')],
  ['event_date', 'CAST(e.ts AS DATE)'],
  ['event_hour', 'CAST(hour(e.ts) AS INTEGER)'],
  ['seconds_played', 'e.ms_played / 1000.0'],
  // Known only when the tracks dimension has the track; never a guess.
  ['completion_ratio', 'CASE WHEN d.duration_ms > 0 THEN e.ms_played / d.duration_ms::DOUBLE END'],
  ['is_skip', isSkipSql('e')],
  ['content_type', contentTypeSql('e')],
];
