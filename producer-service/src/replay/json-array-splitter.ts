const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff;
}

export class JsonArrayShapeError extends Error {}

/**
 * Splits one top-level JSON array, fed in chunks of text, into the raw text of its elements, so a
 * 12 MB export is never parsed in one piece: each element is JSON.parse'd on its own, which also
 * lets one malformed row be reported by index while the rest of the file goes on. It only tracks
 * strings and nesting; an element with unbalanced braces swallows the rest of the file and `end()`
 * reports the array as unterminated.
 */
export class JsonArraySplitter {
  private started = false;
  private finished = false;
  /** Nesting inside the array: 1 between elements, more inside an object or array element. */
  private depth = 0;
  private inString = false;
  private escaped = false;
  private parts: string[] = [];
  private inElement = false;
  private sawComma = false;

  /** Feeds the next chunk; returns the elements it completed, in order. */
  push(chunk: string): string[] {
    const out: string[] = [];
    let elementStart = this.inElement ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        continue;
      }
      if (!this.started) {
        if (isWhitespace(c)) continue;
        if (c !== OPEN_BRACKET) throw new JsonArrayShapeError(`expected a JSON array, found ${JSON.stringify(chunk[i])}`);
        this.started = true;
        this.depth = 1;
        continue;
      }
      if (this.finished) {
        if (isWhitespace(c)) continue;
        throw new JsonArrayShapeError(`unexpected ${JSON.stringify(chunk[i])} after the end of the array`);
      }
      if (this.depth === 1 && (c === COMMA || c === CLOSE_BRACKET)) {
        if (this.inElement) {
          this.parts.push(chunk.slice(elementStart, i));
          out.push(this.parts.join('').trimEnd());
          this.parts = [];
          this.inElement = false;
          elementStart = -1;
        } else if (this.sawComma || c === COMMA) {
          // `[a,,b]`, `[,a]` or `[a,]`: an element is missing; report it as an empty one.
          out.push('');
        }
        this.sawComma = c === COMMA;
        if (c === CLOSE_BRACKET) this.finished = true;
        continue;
      }
      if (!this.inElement) {
        if (isWhitespace(c)) continue;
        this.inElement = true;
        elementStart = i;
      }
      if (c === QUOTE) this.inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth++;
      else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && this.depth > 1) this.depth--;
    }
    if (this.inElement && elementStart >= 0) this.parts.push(chunk.slice(elementStart));
    return out;
  }

  /** Checks the array was closed; throws if the input ended inside it. */
  end(): void {
    if (!this.started) throw new JsonArrayShapeError('empty input: expected a JSON array');
    if (!this.finished) throw new JsonArrayShapeError('input ended before the array was closed (truncated file, or a row with unbalanced braces)');
  }
}
