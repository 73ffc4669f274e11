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
 *
 * Caps keep one hostile element from stopping a replay: an element longer than `maxElementChars`
 * is not held (only its length is counted, so memory stays bounded) and one nested deeper than
 * `maxDepth` is not parsed (canonical JSON for the event id recurses); both come out as a
 * SplitElement with a `problem`, and the rest of the file goes on.
 */
export interface SplitterLimits {
  /** Characters of one element; an export row is under 2 KB. */
  maxElementChars: number;
  /** Nesting of one element; an export row is a flat object (depth 1). */
  maxDepth: number;
}

export const DEFAULT_SPLITTER_LIMITS: SplitterLimits = { maxElementChars: 1_000_000, maxDepth: 32 };

export type ElementProblem = 'TOO_LARGE' | 'TOO_DEEP';

export interface SplitElement {
  /** The element's text; for an element with a problem, at most its first 1,000 characters (for the rejects file). */
  text: string;
  problem?: ElementProblem;
  /** Characters of the whole element. */
  length: number;
}

/** What an element with a problem keeps of its text, for the reject record. */
const PROBLEM_PREFIX_CHARS = 1_000;

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
  /** Characters of the element so far (held in `parts` or not). */
  private elementLength = 0;
  private problem: ElementProblem | undefined;

  constructor(private readonly limits: SplitterLimits = DEFAULT_SPLITTER_LIMITS) {}

  /** Feeds the next chunk; returns the elements it completed, in order. */
  push(chunk: string): SplitElement[] {
    const out: SplitElement[] = [];
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
          this.keep(chunk, elementStart, i);
          out.push(this.completeElement());
          elementStart = -1;
        } else if (this.sawComma || c === COMMA) {
          // `[a,,b]`, `[,a]` or `[a,]`: an element is missing; report it as an empty one.
          out.push({ text: '', length: 0 });
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
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        this.depth++;
        // depth 1 is between elements: a flat object element sits at 2.
        if (this.depth - 1 > this.limits.maxDepth) this.problem ??= 'TOO_DEEP';
      } else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && this.depth > 1) this.depth--;
    }
    if (this.inElement && elementStart >= 0) this.keep(chunk, elementStart, chunk.length);
    return out;
  }

  /** Adds chunk[from, to) to the element, holding it only while it is within the size cap. */
  private keep(chunk: string, from: number, to: number): void {
    this.elementLength += to - from;
    if (this.elementLength > this.limits.maxElementChars) {
      if (this.problem !== 'TOO_LARGE') {
        // Keep a prefix for the reject record; the rest is only counted.
        const prefix = (this.parts.join('') + chunk.slice(from, to)).slice(0, PROBLEM_PREFIX_CHARS);
        this.parts = [prefix];
        this.problem = 'TOO_LARGE';
      }
      return;
    }
    this.parts.push(chunk.slice(from, to));
  }

  private completeElement(): SplitElement {
    const whole = this.parts.join('');
    const element: SplitElement = this.problem
      ? { text: whole.slice(0, PROBLEM_PREFIX_CHARS), problem: this.problem, length: this.elementLength }
      : { text: whole.trimEnd(), length: this.elementLength };
    this.parts = [];
    this.inElement = false;
    this.elementLength = 0;
    this.problem = undefined;
    return element;
  }

  /** True while an element is under way (its text continues in the next chunk). */
  get insideElement(): boolean {
    return this.inElement;
  }

  /** Checks the array was closed; throws if the input ended inside it. */
  end(): void {
    if (!this.started) throw new JsonArrayShapeError('empty input: expected a JSON array');
    if (!this.finished) throw new JsonArrayShapeError('input ended before the array was closed (truncated file, or a row with unbalanced braces)');
  }
}
