/** Where the progress line goes: a TTY stream, or nothing (logs only) when not interactive. */
export interface ProgressSink {
  write(text: string): unknown;
}

const REDRAW_MS = 200;

/**
 * One self-overwriting line on a TTY: files, current file %, records sent, records skipped.
 * Redrawn at most every 200 ms, so it costs nothing per record.
 */
export class ReplayProgress {
  private file = '';
  private fileSize = 0;
  private fileBytes = 0;
  private files = 0;
  private lastDraw = 0;

  constructor(private readonly sink: ProgressSink | undefined, private readonly now: () => number = Date.now) {}

  startFile(name: string, size: number): void {
    this.files++;
    this.file = name.split(/[/\\!]/).pop() ?? name;
    this.fileSize = size;
    this.fileBytes = 0;
  }

  addBytes(bytes: number): void {
    this.fileBytes += bytes;
  }

  update(sent: number, bad: number, force = false): void {
    if (!this.sink) return;
    const at = this.now();
    if (!force && at - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = at;
    const percent = this.fileSize > 0 ? Math.min(100, Math.floor((100 * this.fileBytes) / this.fileSize)) : 100;
    this.sink.write(`\r\x1b[2Kreplay: file ${this.files} ${this.file} ${String(percent).padStart(3)}% | ${sent.toLocaleString('en')} sent | ${bad.toLocaleString('en')} skipped`);
  }

  finish(sent: number, bad: number): void {
    if (!this.sink) return;
    this.update(sent, bad, true);
    this.sink.write('\n');
  }
}
