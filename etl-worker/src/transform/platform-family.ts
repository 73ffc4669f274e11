/**
 * Platform families from Spotify's `platform` field, which is free text in older exports
 * (`Android OS 9 API 28 (samsung, SM-G960F)`, `web_player windows 10;chrome ...`) and a short
 * token since late 2023 (`android`, `ios`, `windows`, `osx`, `linux`). First matching rule wins,
 * so the specific (cars, TVs, browsers) come before the operating systems they run on.
 * Patterns are RE2 (DuckDB `regexp_matches`), matched against the lower-cased value.
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

const sqlString = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** The SQL expression for `platform_family` over a platform column. */
export function platformFamilySql(column: string): string {
  const lowered = `lower(${column})`;
  const arms = PLATFORM_FAMILY_RULES.map((rule) => `WHEN regexp_matches(${lowered}, ${sqlString(rule.pattern)}) THEN ${sqlString(rule.family)}`);
  return `CASE ${arms.join(' ')} ELSE ${sqlString(PLATFORM_FAMILY_FALLBACK)} END`;
}
