import { audiobookContentBytes } from '../encoding/content-bytes.js';
import { base62Id, Prng } from './prng.js';
import { WORDS } from './vocabulary.js';
import { ZipfMandelbrot } from './zipf-mandelbrot.js';

export interface Chapter {
  bookTitle: string;
  bookUri: string;
  uri: string;
  title: string;
  /** The event's content fields, every one of them, encoded once (encoding/content-bytes.ts). */
  contentBytes: Buffer;
  durationMs: number;
}

export interface AudiobookCatalog {
  books: Chapter[][];
  popularity: ZipfMandelbrot;
}

/**
 * Audiobooks (rows with `audiobook_*` fields, in exports since Spotify added them to Premium in
 * late 2023): books of 10–40 chapters of 10–40 minutes, listened to in order from a bookmark.
 */
export function buildAudiobooks(count: number, seed: number): AudiobookCatalog {
  const rng = new Prng(seed).fork('audiobooks');
  const books: Chapter[][] = [];
  for (let b = 0; b < count; b++) {
    const title = `The ${rng.pick(WORDS)} ${rng.pick(WORDS)}`;
    const bookUri = `spotify:audiobook:${base62Id(rng)}`;
    const chapters: Chapter[] = [];
    const minutes = rng.between(10, 40);
    for (let c = 0, n = rng.between(10, 40); c < n; c++) {
      const chapterUri = `spotify:chapter:${base62Id(rng)}`;
      const chapterTitle = `Chapter ${c + 1}`;
      chapters.push({
        bookTitle: title,
        bookUri,
        uri: chapterUri,
        title: chapterTitle,
        contentBytes: audiobookContentBytes(bookUri, title, chapterUri, chapterTitle),
        durationMs: Math.round(minutes * 60_000 * Math.exp(rng.normal(0, 0.2))),
      });
    }
    books.push(chapters);
  }
  return { books, popularity: new ZipfMandelbrot(Math.max(1, count), 1, 2) };
}

/** A listener's book and where they are in it: the same user resumes where the last session stopped. */
export function pickBook(rng: Prng, catalog: AudiobookCatalog): Chapter[] {
  return catalog.books[catalog.popularity.rankOf(rng.next())]!;
}
