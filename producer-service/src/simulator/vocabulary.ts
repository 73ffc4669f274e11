/**
 * Word lists and weighted vocabularies the simulator draws names, genres and countries from.
 * Kept apart from the model so the model files read as behaviour, not data.
 */

export const WORDS = [
  'Midnight', 'Golden', 'Electric', 'Summer', 'Broken', 'Silver', 'Neon', 'Lonely', 'Wild', 'Velvet',
  'Paper', 'Ocean', 'Fire', 'Glass', 'Northern', 'Blue', 'Crimson', 'Quiet', 'Falling', 'Endless',
  'City', 'Hearts', 'Dreams', 'Lights', 'River', 'Shadows', 'Stars', 'Rain', 'Road', 'Echoes',
  'Garden', 'Machine', 'Satellite', 'Thunder', 'Honey', 'Winter', 'Ghost', 'Mirror', 'Highway', 'Orbit',
  'Lullaby', 'Fever', 'Parade', '静かな', 'Corazón', 'Sommer', 'Mañana', 'Über', 'Noite', 'Ljus',
] as const;

export const ARTIST_SUFFIXES = ['', '', '', ' & The Band', ' Collective', ' Trio', ' Orchestra', ' Club', ' Kids', ' Project'] as const;

/**
 * Artist names: word bands ("Velvet Orbit Club"), person-like names ("Mara Lindqvist") and made-up
 * stage names from syllables ("Kalivo"): about 200,000 forms, so the tens of thousands of artists of
 * the catalog rarely share a name (real ones sometimes do: their ids stay unique, see artist_uri).
 */
export const GIVEN_NAMES = [
  'Mara', 'Jonas', 'Aiko', 'Leila', 'Diego', 'Nia', 'Oskar', 'Ines', 'Kwame', 'Sofia', 'Emeka', 'Hana', 'Luca', 'Zara', 'Mateo', 'Ayla',
  'Ravi', 'Elin', 'Tomas', 'Yara', 'Felix', 'Mina', 'Sasha', 'Idris', 'Noor', 'Björn', 'Chloé', 'Juno', 'Kai', 'Lior', 'Amara', 'Pablo',
] as const;
export const SURNAMES = [
  'Lindqvist', 'Okafor', 'Tanaka', 'Moreau', 'Silva', 'Kowalski', 'Haddad', 'Novak', 'Reyes', 'Mbeki', 'Larsen', 'Costa', 'Nakamura', 'Varga',
  'Quinn', 'Adeyemi', 'Fischer', 'Romano', 'Sato', 'Khan', 'Ortiz', 'Berg', 'Dubois', 'Petrov', 'Alves', 'Kim', 'Mendes', 'Holm',
] as const;
export const NAME_SYLLABLES = ['ka', 'li', 'vo', 'ra', 'mi', 'zo', 'te', 'nu', 'sa', 'lo', 've', 'da', 'ri', 'ko', 'ya', 'ne', 'bo', 'xi', 'ma', 'ju', 'fe', 'to', 'ai', 'ru'] as const;

export interface GenreProfile {
  name: string;
  /** Share of the catalog. */
  weight: number;
  explicitRate: number;
  /** Means of the Web API audio features (sd is fixed in the catalog). */
  danceability: number;
  energy: number;
  acousticness: number;
  instrumentalness: number;
  speechiness: number;
  valence: number;
  tempo: number;
  loudness: number;
  durationSec: number;
}

const g = (
  name: string,
  weight: number,
  explicitRate: number,
  [danceability, energy, acousticness, instrumentalness, speechiness, valence]: number[],
  tempo: number,
  loudness: number,
  durationSec: number,
): GenreProfile => ({
  name, weight, explicitRate,
  danceability: danceability!, energy: energy!, acousticness: acousticness!, instrumentalness: instrumentalness!,
  speechiness: speechiness!, valence: valence!, tempo, loudness, durationSec,
});

export const GENRES: readonly GenreProfile[] = [
  g('pop', 18, 0.2, [0.68, 0.66, 0.2, 0.02, 0.07, 0.55], 118, -6, 205),
  g('hip hop', 14, 0.65, [0.75, 0.62, 0.15, 0.01, 0.22, 0.5], 98, -7, 200),
  g('rock', 10, 0.1, [0.5, 0.78, 0.1, 0.08, 0.05, 0.48], 126, -6, 235),
  g('latin', 8, 0.25, [0.74, 0.72, 0.2, 0.01, 0.09, 0.68], 104, -5.5, 210),
  g('edm', 7, 0.08, [0.66, 0.85, 0.05, 0.4, 0.06, 0.42], 126, -5, 215),
  g('r&b', 6, 0.35, [0.66, 0.55, 0.25, 0.02, 0.1, 0.47], 100, -7.5, 220),
  g('indie', 7, 0.08, [0.56, 0.58, 0.3, 0.1, 0.05, 0.45], 120, -8, 225),
  g('k-pop', 4, 0.03, [0.7, 0.78, 0.12, 0.01, 0.08, 0.6], 122, -4.5, 200),
  g('country', 4, 0.04, [0.58, 0.64, 0.28, 0.01, 0.04, 0.6], 120, -6.5, 200),
  g('metal', 3, 0.15, [0.4, 0.92, 0.02, 0.2, 0.08, 0.3], 135, -4.5, 280),
  g('jazz', 3, 0.01, [0.55, 0.35, 0.7, 0.5, 0.05, 0.5], 110, -12, 300),
  g('classical', 3, 0, [0.3, 0.15, 0.92, 0.85, 0.04, 0.25], 100, -20, 330),
  g('ambient', 3, 0, [0.35, 0.2, 0.75, 0.85, 0.04, 0.15], 90, -18, 310),
  g('lo-fi', 3, 0, [0.7, 0.35, 0.65, 0.8, 0.07, 0.45], 85, -11, 150),
  g('folk', 3, 0.02, [0.5, 0.38, 0.75, 0.05, 0.04, 0.45], 112, -10, 230),
  g('reggaeton', 4, 0.55, [0.8, 0.75, 0.15, 0.01, 0.12, 0.7], 94, -4.5, 205),
];

/** Calm genres get a larger share of plays late at night (Park et al., 2019). */
export const CALM_GENRES = new Set(['ambient', 'classical', 'lo-fi', 'jazz', 'folk']);

/**
 * Current export vocabulary (since late 2023), with the share of users whose main device it is:
 * about three quarters mobile, which with Lamere's 51% (mobile) and 40% (desktop) gives his overall
 * 48.6%. The list has no `web_player` (web listeners show as their OS); `not_applicable` covers
 * cars, speakers and TVs.
 */
export const MOBILE_PLATFORMS = ['android', 'ios'] as const;
export const DESKTOP_PLATFORMS = ['windows', 'osx', 'linux'] as const;
export const PLATFORM_WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  ['android', 46],
  ['ios', 31],
  ['windows', 14],
  ['osx', 7],
  ['linux', 1.5],
  ['not_applicable', 0.5],
];

export function isMobile(platform: string): boolean {
  return platform === 'android' || platform === 'ios';
}
