/**
 * Where listeners are, and their IANA time zones (local time comes from Node's Intl, DST included:
 * time-zones.ts).
 *
 * Regional shares are Spotify's own: monthly active users by region in its Q1 2025 shareholder deck
 * (678 M MAUs: Europe 27%, North America 17%, Latin America 22%, Rest of World 34%). Spotify
 * publishes no per-country figures, so the split of each region over its countries is our estimate
 * (the larger markets by population and reported reach), and so is each country's split over its
 * time zones (by population: the US 47% Eastern, 29% Central, 7% Mountain, 17% Pacific).
 */
export interface ListenerCountry {
  code: string;
  region: 'Europe' | 'North America' | 'Latin America' | 'Rest of World';
  /** Percent of all listeners. */
  share: number;
  /** IANA zones and the percent of the country's listeners in each. */
  zones: ReadonlyArray<readonly [zone: string, percent: number]>;
  /** The one zone the `stats` report uses for the country's local time (events carry no zone): its population-weighted middle. */
  statsZone: string;
}

export const REGION_SHARES = { Europe: 27, 'North America': 17, 'Latin America': 22, 'Rest of World': 34 } as const;

const c = (code: string, region: ListenerCountry['region'], share: number, zones: ListenerCountry['zones'], statsZone = zones[0]![0]): ListenerCountry => ({ code, region, share, zones, statsZone });

export const LISTENER_COUNTRIES: readonly ListenerCountry[] = [
  c('GB', 'Europe', 5, [['Europe/London', 100]]),
  c('DE', 'Europe', 5, [['Europe/Berlin', 100]]),
  c('FR', 'Europe', 3.5, [['Europe/Paris', 100]]),
  c('ES', 'Europe', 2.5, [['Europe/Madrid', 95], ['Atlantic/Canary', 5]]),
  c('TR', 'Europe', 2.5, [['Europe/Istanbul', 100]]),
  c('IT', 'Europe', 2, [['Europe/Rome', 100]]),
  c('NL', 'Europe', 1.5, [['Europe/Amsterdam', 100]]),
  c('PL', 'Europe', 1.5, [['Europe/Warsaw', 100]]),
  c('SE', 'Europe', 1, [['Europe/Stockholm', 100]]),
  c('BE', 'Europe', 0.9, [['Europe/Brussels', 100]]),
  c('PT', 'Europe', 0.8, [['Europe/Lisbon', 100]]),
  c('AT', 'Europe', 0.8, [['Europe/Vienna', 100]]),
  c('US', 'North America', 14.5, [['America/New_York', 47], ['America/Chicago', 29], ['America/Denver', 5], ['America/Phoenix', 2], ['America/Los_Angeles', 17]], 'America/Chicago'),
  c('CA', 'North America', 2.5, [['America/Toronto', 60], ['America/Vancouver', 14], ['America/Edmonton', 12], ['America/Winnipeg', 8], ['America/Halifax', 6]]),
  c('BR', 'Latin America', 8, [['America/Sao_Paulo', 92], ['America/Manaus', 8]]),
  c('MX', 'Latin America', 6, [['America/Mexico_City', 84], ['America/Tijuana', 6], ['America/Hermosillo', 5], ['America/Cancun', 5]]),
  c('AR', 'Latin America', 2.5, [['America/Argentina/Buenos_Aires', 100]]),
  c('CO', 'Latin America', 2, [['America/Bogota', 100]]),
  c('CL', 'Latin America', 1.5, [['America/Santiago', 100]]),
  c('PE', 'Latin America', 1.2, [['America/Lima', 100]]),
  c('GT', 'Latin America', 0.8, [['America/Guatemala', 100]]),
  c('IN', 'Rest of World', 9.5, [['Asia/Kolkata', 100]]),
  c('ID', 'Rest of World', 5, [['Asia/Jakarta', 70], ['Asia/Makassar', 25], ['Asia/Jayapura', 5]]),
  c('PH', 'Rest of World', 4, [['Asia/Manila', 100]]),
  c('JP', 'Rest of World', 3, [['Asia/Tokyo', 100]]),
  c('AU', 'Rest of World', 2.2, [['Australia/Sydney', 34], ['Australia/Melbourne', 26], ['Australia/Brisbane', 20], ['Australia/Perth', 11], ['Australia/Adelaide', 9]]),
  c('NG', 'Rest of World', 1.5, [['Africa/Lagos', 100]]),
  c('VN', 'Rest of World', 1.5, [['Asia/Ho_Chi_Minh', 100]]),
  c('SA', 'Rest of World', 1.3, [['Asia/Riyadh', 100]]),
  c('ZA', 'Rest of World', 1.2, [['Africa/Johannesburg', 100]]),
  c('EG', 'Rest of World', 1.2, [['Africa/Cairo', 100]]),
  c('TH', 'Rest of World', 1.2, [['Asia/Bangkok', 100]]),
  c('MY', 'Rest of World', 1, [['Asia/Kuala_Lumpur', 100]]),
  c('KR', 'Rest of World', 0.5, [['Asia/Seoul', 100]]),
  c('AE', 'Rest of World', 0.5, [['Asia/Dubai', 100]]),
  c('NZ', 'Rest of World', 0.4, [['Pacific/Auckland', 100]]),
];

export function countryByCode(code: string): ListenerCountry | undefined {
  return BY_CODE.get(code);
}

const BY_CODE = new Map(LISTENER_COUNTRIES.map((country) => [country.code, country]));
