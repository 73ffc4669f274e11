import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { BadRecordReason } from './record-mapper.js';

export interface RejectedElement {
  file: string;
  /** Position in the file's array; for a file that could not be read on, the first element lost. */
  index: number;
  reason: BadRecordReason;
  detail: string;
  /** The element as it was in the file (a prefix, for one over the size cap); absent when nothing was read. */
  text?: string;
}

/**
 * Where a replay keeps what it could not send: one NDJSON line per bad element, appended (a resumed
 * exactly-once run skips the elements it already handled, so the earlier run's lines stay the only
 * copy). Opened on the first reject, so a clean replay leaves no file.
 */
export class RejectsFile {
  private stream: WriteStream | undefined;
  private written = 0;

  constructor(readonly path: string) {}

  async add(reject: RejectedElement): Promise<void> {
    this.stream ??= createWriteStream(this.path, { flags: 'a' });
    const line = `${JSON.stringify({ ...reject, rejectedAt: new Date().toISOString() })}\n`;
    this.written++;
    if (!this.stream.write(line)) await once(this.stream, 'drain');
  }

  get count(): number {
    return this.written;
  }

  async close(): Promise<void> {
    const stream = this.stream;
    if (!stream) return;
    this.stream = undefined;
    await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}

/** The rejects file of a run: the setting, else beside the summary file, else in the working directory. */
export function rejectsPath(settings: { rejectsFile?: string; summaryFile?: string }): string {
  if (settings.rejectsFile) return settings.rejectsFile;
  if (settings.summaryFile) return `${settings.summaryFile.replace(/\.json$/i, '')}.rejects.ndjson`;
  return 'producer-rejects.ndjson';
}
