import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { PipelineError } from '@spotify-pipeline/shared/errors';

/** One JSON file of a Spotify export, from disk or inside a zip. */
export interface ExportFile {
  /** Path as the user knows it: `export.zip!Spotify Extended Streaming History/Streaming_History_Audio_2023.json`. */
  name: string;
  /** Uncompressed bytes, for progress. */
  size: number;
  open(): Promise<Readable>;
}

/** Listening-history files of both export formats; video history and other files are not streams of audio. */
const HISTORY_FILE = [/^Streaming_History_Audio_.*\.json$/i, /^endsong(_\d+)?\.json$/i, /^StreamingHistory.*\.json$/i];

export function isHistoryFile(path: string): boolean {
  const name = basename(path);
  return HISTORY_FILE.some((pattern) => pattern.test(name));
}

const byNaturalName = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

async function listFolder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await listFolder(path)));
    else if (entry.isFile() && isHistoryFile(path)) found.push(path);
  }
  return found.sort(byNaturalName);
}

function diskFile(path: string, size: number): ExportFile {
  return { name: path, size, open: async () => createReadStream(path) };
}

/**
 * The export files behind the given paths, in a stable order: a file as given, a folder's history
 * files (recursively), a zip's history entries. Zip entries are read one at a time and each must be
 * consumed before the next is yielded (yauzl's lazy mode), so a zip of any size streams.
 */
export async function* exportFiles(paths: readonly string[]): AsyncGenerator<ExportFile> {
  for (const path of paths) {
    const info = await stat(path).catch((err: unknown) => {
      throw new PipelineError('CONFIG_INVALID', `replay input ${path} cannot be read: ${(err as Error).message}`, { cause: err });
    });
    if (info.isDirectory()) {
      for (const file of await listFolder(path)) yield diskFile(file, (await stat(file)).size);
    } else if (/\.zip$/i.test(path)) {
      yield* zipEntries(path);
    } else {
      yield diskFile(path, info.size);
    }
  }
}

async function* zipEntries(path: string): AsyncGenerator<ExportFile> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (err, file) => (err ? reject(zipError(path, err)) : resolve(file)));
  });
  try {
    const entries: yauzl.Entry[] = [];
    // The central directory is small: list it first so files are replayed in name order.
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        if (!entry.fileName.endsWith('/') && isHistoryFile(entry.fileName)) entries.push(entry);
        zip.readEntry();
      });
      zip.once('end', resolve);
      zip.once('error', (err: Error) => reject(zipError(path, err)));
      zip.readEntry();
    });
    entries.sort((a, b) => byNaturalName(a.fileName, b.fileName));
    for (const entry of entries) {
      yield {
        name: `${path}!${entry.fileName}`,
        size: entry.uncompressedSize,
        open: () =>
          new Promise<Readable>((resolve, reject) => {
            zip.openReadStream(entry, (err, stream) => (err ? reject(zipError(path, err)) : resolve(stream)));
          }),
      };
    }
  } finally {
    zip.close();
  }
}

function zipError(path: string, err: Error): PipelineError {
  return new PipelineError('RECORD_INVALID', `zip ${path} cannot be read: ${err.message}`, { cause: err });
}
