import { trackV1 } from '@spotify-pipeline/shared/schemas';
import { TRACK_CONTENT_TAIL } from '../../../src/encoding/content-bytes';
import { Prng } from '../../../src/simulator/prng';
import { TrackVariant, VirtualCatalog } from '../../../src/simulator/virtual-catalog';

/** A track's content fields as the encoder writes them, parsed. */
function content(catalog: VirtualCatalog, artist: number, song: number, variant: TrackVariant = TrackVariant.Main): Record<string, unknown> {
  const out = Buffer.alloc(catalog.maxContentBytes);
  const end = catalog.writeContent(artist, song, variant, out, 0);
  return JSON.parse(`{${out.subarray(0, end).toString('utf8')}${TRACK_CONTENT_TAIL.toString()}}`) as Record<string, unknown>;
}

describe('VirtualCatalog', () => {
  const catalog = new VirtualCatalog(890_000, 7);

  it('writes a track the same whether it is hot (kept) or computed, and as its names say', () => {
    const rng = new Prng(2);
    for (let i = 0; i < 2_000; i++) {
      // Half from the popular head (kept bytes), half from anywhere (computed in place).
      const artist = i % 2 === 0 ? rng.int(50) : rng.int(catalog.popularity.artistCount);
      const song = i % 2 === 0 ? rng.int(3) : rng.int(catalog.popularity.catalogSizes[artist]!);
      const names = catalog.describe(artist, song);
      expect(content(catalog, artist, song)).toEqual({
        track_uri: names.uri, track_name: names.name, artist_name: names.artistName, album_name: names.albumName,
        episode_name: null, episode_show_name: null, episode_uri: null,
        audiobook_title: null, audiobook_uri: null, audiobook_chapter_uri: null, audiobook_chapter_title: null,
      });
    }
  });

  it('writes the export variants: a second URI for the same recording, and local files without URIs', () => {
    const names = catalog.describe(10, 4);
    const alternate = content(catalog, 10, 4, TrackVariant.Alternate);
    expect(alternate.track_uri).toMatch(/^spotify:track:[0-9A-Za-z]{22}$/);
    expect(alternate.track_uri).not.toBe(names.uri);
    expect(alternate.track_uri).toBe(catalog.describe(10, 4, TrackVariant.Alternate).uri);
    expect({ ...alternate, track_uri: names.uri }).toEqual(content(catalog, 10, 4));
    expect(content(catalog, 10, 4, TrackVariant.LocalFile)).toEqual({ ...content(catalog, 10, 4), track_uri: null });
    const share = Array.from({ length: 20_000 }, (_, i) => catalog.hasAlternate(i % 1000, i % 10, 0.05)).filter(Boolean).length / 20_000;
    expect(share).toBeGreaterThan(0.03);
    expect(share).toBeLessThan(0.07);
  });

  it('is the same catalog for the same seed whatever the order of making, and another for another seed', () => {
    const again = new VirtualCatalog(890_000, 7);
    for (const [artist, song] of [[40_000, 3], [0, 0], [123, 7]] as const) expect(again.describe(artist, song)).toEqual(catalog.describe(artist, song));
    expect(new VirtualCatalog(890_000, 8).describe(0, 0).id).not.toBe(catalog.describe(0, 0).id);
  });

  it('gives artists unique ids (names may repeat, as real ones do) and tracks unique ids', () => {
    const ids = new Set(Array.from({ length: catalog.artists.count }, (_, a) => catalog.artists.id(a)));
    expect(ids.size).toBe(catalog.artists.count);
    const names = new Set(Array.from({ length: catalog.artists.count }, (_, a) => catalog.artists.name(a)));
    expect(names.size / catalog.artists.count).toBeGreaterThan(0.85);
    const trackIds = new Set(Array.from({ length: 50_000 }, (_, i) => catalog.describe(i % catalog.artists.count, i % 10).id));
    expect(trackIds.size).toBe(new Set(Array.from({ length: 50_000 }, (_, i) => `${i % catalog.artists.count}:${i % 10}`)).size);
  });

  it('lays albums out so that playing one through visits its songs in order, from its opener to its end', () => {
    for (let artist = 0; artist < 300; artist++) {
      const size = catalog.popularity.catalogSizes[artist]!;
      const seen = new Set<number>();
      for (let song = 0; song < size; song++) {
        if (seen.has(song)) continue;
        const opener = catalog.albumOpener(artist, song);
        const album = [opener];
        for (let next = catalog.nextOnAlbum(artist, opener); next >= 0; next = catalog.nextOnAlbum(artist, next)) album.push(next);
        expect(album).toContain(song);
        for (const s of album) {
          expect(seen.has(s)).toBe(false);
          seen.add(s);
          expect(catalog.describe(artist, s).albumName).toBe(catalog.describe(artist, opener).albumName);
        }
      }
      expect(seen.size).toBe(size);
    }
  });

  it('makes tracks records valid against trackV1, popularity 100 for the top track', () => {
    const head = catalog.headTracks(2_000);
    expect(head).toHaveLength(2_000);
    expect(head[0]).toEqual([0, 0]);
    const records = head.map(([artist, song]) => catalog.trackRecord(artist, song));
    const invalid = records.filter((record) => !trackV1.safeParse(record).success);
    expect(invalid.slice(0, 2).map((record) => trackV1.safeParse(record).error?.issues)).toEqual([]);
    expect(records[0]!.popularity).toBe(100);
    expect(records[0]!.artist_id).toBe(catalog.artists.id(0));
    expect(records.every((record, i) => i === 0 || record.popularity <= records[i - 1]!.popularity)).toBe(true);
    const durations = records.map((record) => record.duration_ms / 1000).sort((a, b) => a - b);
    expect(durations[1_000]).toBeGreaterThan(170);
    expect(durations[1_000]).toBeLessThan(260);
  });
});
