/**
 * Mobile or desktop, from an export's platform: the current vocabulary (android, ios, windows, osx,
 * linux) and the old free text (`Android OS 9 API 28 (samsung, SM-G960F)`, `iOS 12.1.4 (iPhone10,6)`,
 * `Windows 10 (10.0.19041; x64)`, `OS X 10.14.6 [x86 8]`, `web_player windows 10;chrome …`). Anything
 * else (cars, speakers, TVs, `not_applicable`) is neither and counts in neither skip figure.
 */
export const PlatformClass = { Mobile: 1, Desktop: 2, Other: 0 } as const;
export type PlatformClass = (typeof PlatformClass)[keyof typeof PlatformClass];

const known = new Map<string, PlatformClass>();

export function platformClass(platform: string | null | undefined): PlatformClass {
  if (!platform) return PlatformClass.Other;
  let found = known.get(platform);
  if (found === undefined) {
    const p = platform.toLowerCase();
    if (/^(android|ios|iphone|ipad)\b/.test(p) || p.startsWith('android os') || p.startsWith('ios ')) found = PlatformClass.Mobile;
    else if (/^(windows|osx|os x|macos|linux|web_player)\b/.test(p)) found = PlatformClass.Desktop;
    else found = PlatformClass.Other;
    // Free text is unbounded; the vocabulary it comes from is not. Remember a bounded number.
    if (known.size < 10_000) known.set(platform, found);
  }
  return found;
}
