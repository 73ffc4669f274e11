import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Enough for any log line worth showing; a longer one is shown by its end. */
const TAIL_BYTES = 16 * 1024;

/**
 * The last non-empty line of `file` written at or after byte `fromOffset` (where the current process
 * of a service started appending), or undefined when it wrote nothing: a line from an earlier run
 * must never be shown as the reason this one stopped.
 */
export function lastLogLine(file: string, fromOffset = 0): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(fromOffset, size - TAIL_BYTES);
    if (size <= start) return undefined;
    const buffer = Buffer.alloc(size - start);
    readSync(fd, buffer, 0, buffer.length, start);
    const lines = buffer
      .toString('utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0);
    return lines.at(-1);
  } finally {
    closeSync(fd);
  }
}

/**
 * A log line as a person reads it first. The services log pino JSON: the event name and the error's
 * message say why (`ServiceStartFailed: listen EADDRINUSE: address already in use 0.0.0.0:9462`);
 * anything else (a configuration error is one plain line) is shown as written. Long lines are cut.
 */
export function summarizeLogLine(line: string, maxChars = 300): string {
  let text = line;
  if (line.startsWith('{')) {
    try {
      const entry = JSON.parse(line) as { msg?: unknown; err?: { message?: unknown }; reason?: unknown };
      if (typeof entry.msg === 'string') {
        const detail = typeof entry.err?.message === 'string' ? entry.err.message : typeof entry.reason === 'string' ? entry.reason : undefined;
        text = detail ? `${entry.msg}: ${detail.split('\n')[0]}` : entry.msg;
      }
    } catch (err) {
      // Not JSON after all (a line of a stack trace starting with '{'): shown as written.
      if (!(err instanceof SyntaxError)) throw err;
    }
  }
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}
