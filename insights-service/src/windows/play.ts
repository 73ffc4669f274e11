import { contentTypeOf, isSkipOf, platformFamilyOf, type ContentType, type ListeningEvent } from '@spotify-pipeline/shared/schemas';

/**
 * What a window needs of one valid listening event, with the lake's derived columns computed by the
 * same definitions the ETL uses (shared/schemas derived-fields.ts): no raw payload is kept.
 */
export interface Play {
  tsMs: number;
  userId: string;
  msPlayed: number;
  /** `conn_country`, upper-case as the lake stores it. */
  country: string;
  platformFamily: string;
  contentType: ContentType;
  isSkip: boolean;
  trackUri: string | null;
  trackName: string | null;
  artistName: string | null;
}

/**
 * Platform strings repeat (a few dozen tokens, and one free-text value per device): the family of
 * each is computed once. Bounded: past this many distinct values the cache starts over.
 */
const FAMILY_CACHE_LIMIT = 10_000;

export class PlayMapper {
  private readonly families = new Map<string, string>();

  /** The play of a validated event (the contract's types hold: the validator checked them). */
  toPlay(event: ListeningEvent): Play {
    return {
      tsMs: Date.parse(event.ts),
      userId: event.user_id,
      msPlayed: event.ms_played,
      country: event.conn_country.toUpperCase(),
      platformFamily: this.familyOf(event.platform),
      contentType: contentTypeOf(event),
      isSkip: isSkipOf(event),
      trackUri: event.track_uri,
      trackName: event.track_name,
      artistName: event.artist_name,
    };
  }

  private familyOf(platform: string): string {
    let family = this.families.get(platform);
    if (family === undefined) {
      if (this.families.size >= FAMILY_CACHE_LIMIT) this.families.clear();
      family = platformFamilyOf(platform);
      this.families.set(platform, family);
    }
    return family;
  }
}
