import { PipelineError } from '../errors/index.js';

/**
 * A fast, exact accept for the common line: the contract's fields, in contract order, compact JSON,
 * strings without escapes. One regular expression generated from a flat contract's JSON Schema
 * checks such a line without JSON.parse (which alone costs ~2 µs a line, bench/src/etl.ts); a line it
 * does not match is not rejected but validated in full (EventValidator, SpecRecordValidator), which
 * names the reason. The caller names the fields whose values it needs; `match` returns them as
 * JSON.parse would give them.
 *
 * The matcher may be stricter than the contract, never looser: a match implies that JSON.parse
 * succeeds and the compiled validator accepts the parsed object with no new column. Why that holds:
 * - the expression only admits JSON: keys in quotes, numbers in JSON grammar, literals, and strings
 *   of characters JSON allows unescaped (no `"`, no `\`, no control character, no lone surrogate),
 *   so a string's text is its value and its length in code points is what ajv's minLength/maxLength
 *   count (`u` flag); an integer has at most 15 digits and is never `-0`, so its text is its digits;
 * - exactly the contract's keys, each once, in contract order: nothing unknown, nothing required missing
 *   (an optional field may be absent, as ajv allows);
 * - enum and const values are their JSON texts; patterns, formats and numeric bounds are checked on
 *   the captured value with ajv's own semantics (`new RegExp(pattern, 'u')`, after the same
 *   normalisation the validator applies; the validator's own format functions).
 * A JSON Schema keyword or shape this file has no rule for throws at construction, so a contract
 * change cannot widen it: EventValidator does not start, a spec table gets no fast path.
 */

interface SchemaNode {
  type?: string | string[];
  anyOf?: SchemaNode[];
  const?: unknown;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  format?: string;
}

export interface ObjectSchema {
  properties?: Record<string, SchemaNode>;
  required?: string[];
}

/** A value `match` returns: as JSON.parse gives it; undefined for a field the line does not have. */
export type CapturedValue = string | number | boolean | null | undefined;

export interface MatcherOptions {
  /** The fields whose values `match` returns, in this order. */
  capture: readonly string[];
  /** Per field, what the validator does to a string before checking it (e.g. upper-casing a country). */
  normalise?: Readonly<Record<string, (value: string) => string>>;
  /** The formats the validator knows: its check of a string, or null for a format it ignores. */
  formats?: Readonly<Record<string, ((text: string) => boolean) | null>>;
}

/** Keywords that change no verdict (ajv strict mode knows them). */
const ANNOTATIONS = ['description', 'title', '$comment', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly'];
const KNOWN_KEYWORDS = new Set(['type', 'anyOf', 'const', 'enum', 'minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'format', ...ANNOTATIONS]);
const OBJECT_KEYWORDS = new Set(['$schema', '$id', 'type', 'properties', 'required', 'additionalProperties', ...ANNOTATIONS]);
/** A character JSON allows inside a string without an escape, minus the escape character and lone surrogates (the full path quarantines those). */
const PLAIN_CHAR = '[^"\\\\\\u0000-\\u001f\\ud800-\\udfff]';
const JSON_NUMBER = '-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?';
/** At most 15 digits: always a safe integer, parsed exactly by JSON.parse, its text its digits (no `-0`). */
const SAFE_DIGITS = '(?:0|[1-9][0-9]{0,14})';
const SIGNED_SAFE_DIGITS = '(?:0|-?[1-9][0-9]{0,14})';
const SAFE_DIGITS_MAX = 999_999_999_999_999;

/**
 * A pattern whose every match is made of plain characters (no `"`, `\`, control character) can be
 * written between the quotes of the line expression itself. Lexical and conservative: only literals,
 * `\d`, escaped punctuation, positive character classes, groups, alternation and quantifiers; `^`/`$`
 * only at the ends. Embedded, it must match the whole string, which is never looser than ajv's search.
 */
function embeddablePattern(pattern: string): string | undefined {
  const inner = pattern.replace(/^\^/, '').replace(/\$$/, '');
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c === '\\') {
      const next = inner[++i];
      if (next === undefined || !/[d.\-:/+*?()[\]{}|^$]/.test(next)) return undefined;
    } else if (c === '(') {
      // Only non-capturing groups: a capturing one would shift the groups this matcher reads.
      if (inner.slice(i + 1, i + 3) !== '?:') return undefined;
      i += 2;
    } else if (c === '[') {
      if (inner[i + 1] === '^') return undefined;
      const end = inner.indexOf(']', i + 1);
      if (end === -1 || /["\\\u0000-\u001f]/.test(inner.slice(i + 1, end))) return undefined;
      i = end;
    } else if (c === '.' || c === '"' || c === '^' || c === '$' || c < ' ') {
      return undefined;
    }
  }
  return inner;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The JSON type names a scalar has for ajv's `type` (an integral number is both). */
function scalarTypes(value: unknown): string[] {
  if (value === null) return ['null'];
  if (typeof value === 'number') return Number.isInteger(value) ? ['integer', 'number'] : ['number'];
  return [typeof value];
}

/** A check of one captured value, applied after the expression matched. */
type CaptureCheck = (text: string) => boolean;

class ExpressionBuilder {
  readonly checks: Array<{ group: number; check: CaptureCheck }> = [];
  private groups = 0;

  constructor(private readonly options: MatcherOptions) {}

  /** A capturing group whose text must pass `check` (when its branch matched). */
  private capture(inner: string, check?: CaptureCheck): string {
    const group = ++this.groups;
    if (check) this.checks.push({ group, check });
    return `(${inner})`;
  }

  /** The expression of a field's value; with `captured`, the whole value text is one group (numbered before the groups inside it). */
  field(name: string, node: SchemaNode, captured: boolean): { source: string; group?: number } {
    const group = captured ? ++this.groups : undefined;
    const { anyOf, ...rest } = node;
    if (anyOf && Object.keys(rest).some((key) => !ANNOTATIONS.includes(key))) throw unsupported(name, 'anyOf beside other keywords');
    const branches = (anyOf ?? [node]).flatMap((branch) => this.alternatives(name, branch));
    if (branches.length === 0) throw unsupported(name, 'a value no alternative admits');
    const inner = branches.length === 1 ? branches[0]! : `(?:${branches.join('|')})`;
    return group === undefined ? { source: inner } : { source: `(${inner})`, group };
  }

  private alternatives(name: string, node: SchemaNode): string[] {
    for (const key of Object.keys(node)) if (!KNOWN_KEYWORDS.has(key)) throw unsupported(name, `keyword ${key}`);
    const types = node.type === undefined ? [] : Array.isArray(node.type) ? node.type : [node.type];
    const listed = node.enum ?? (node.const !== undefined ? [node.const] : undefined);
    if (listed !== undefined) return this.listed(name, node, listed, types);
    if (types.length === 0) throw unsupported(name, 'an untyped value');
    return types.map((type) => {
      switch (type) {
        case 'null':
          return 'null';
        case 'boolean':
          return '(?:true|false)';
        case 'integer':
        case 'number':
          return this.number(type, node);
        case 'string':
          return this.string(name, node);
        default:
          throw unsupported(name, `JSON type ${type}`);
      }
    });
  }

  /** enum / const: the JSON texts of the values the types admit (another spelling of one, `1.0` or an escape, takes the full path). */
  private listed(name: string, node: SchemaNode, values: unknown[], types: string[]): string[] {
    const other = Object.keys(node).filter((key) => key !== 'type' && key !== 'enum' && key !== 'const' && !ANNOTATIONS.includes(key));
    if (other.length > 0 || (node.enum !== undefined && node.const !== undefined)) throw unsupported(name, `enum or const beside ${other.join(', ') || 'each other'}`);
    return values.flatMap((value) => {
      if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) throw unsupported(name, 'a non-scalar enum value');
      if (types.length > 0 && !scalarTypes(value).some((t) => types.includes(t))) return [];
      const text = JSON.stringify(value);
      return text.includes('\\') ? [] : [escapeRegExp(text)];
    });
  }

  private number(type: 'integer' | 'number', node: SchemaNode): string {
    const { minimum = -Infinity, maximum = Infinity, exclusiveMinimum = -Infinity, exclusiveMaximum = Infinity } = node;
    const exclusive = exclusiveMinimum !== -Infinity || exclusiveMaximum !== Infinity;
    // Integers of at most 15 digits need no check when the bounds are wider (the listening contract's are ±2^53 and 0).
    if (type === 'integer' && !exclusive && maximum >= SAFE_DIGITS_MAX && (minimum === 0 || minimum <= -SAFE_DIGITS_MAX)) {
      return minimum === 0 ? SAFE_DIGITS : SIGNED_SAFE_DIGITS;
    }
    const inRange = (text: string): boolean => {
      const value = Number(text);
      return Number.isFinite(value) && value >= minimum && value <= maximum && value > exclusiveMinimum && value < exclusiveMaximum;
    };
    return this.capture(type === 'integer' ? SIGNED_SAFE_DIGITS : JSON_NUMBER, inRange);
  }

  private string(name: string, node: SchemaNode): string {
    const { minLength, maxLength, pattern, format } = node;
    const checks: CaptureCheck[] = [];
    if (format !== undefined) {
      const formats = this.options.formats ?? {};
      if (!Object.hasOwn(formats, format)) throw unsupported(name, `format ${format}`);
      const check = formats[format];
      if (check) checks.push(check);
    }
    const run = minLength === undefined && maxLength === undefined ? `${PLAIN_CHAR}*` : `${PLAIN_CHAR}{${minLength ?? 0},${maxLength ?? ''}}`;
    // Stricter than the validator for a field it normalises first (a lower-case country): such lines take the full path.
    const embedded = pattern !== undefined && minLength === undefined && maxLength === undefined ? embeddablePattern(pattern) : undefined;
    if (pattern !== undefined && embedded === undefined) {
      const expression = new RegExp(pattern, 'u');
      const normalise = this.options.normalise?.[name] ?? ((value: string) => value);
      checks.push((text) => expression.test(normalise(text)));
    }
    const body = embedded === undefined ? run : `(?:${embedded})`;
    if (checks.length === 0) return `"${body}"`;
    return `"${this.capture(body, checks.length === 1 ? checks[0] : (text) => checks.every((check) => check(text)))}"`;
  }
}

function unsupported(field: string, what: string): PipelineError {
  return new PipelineError('INTERNAL', `contract field ${field}: ${what} has no canonical-line rule (extend canonical-line-matcher.ts)`);
}

/** The value a captured JSON text stands for: the text between the quotes of a string (it has no escape), else the literal or number. */
function decode(text: string | undefined): CapturedValue {
  if (text === undefined) return undefined;
  switch (text.charCodeAt(0)) {
    case 0x22: // "
      return text.slice(1, -1);
    case 0x6e: // n
      return null;
    case 0x74: // t
      return true;
    case 0x66: // f
      return false;
    default:
      return Number(text);
  }
}

export class CanonicalLineMatcher {
  private readonly expression: RegExp;
  private readonly checks: Array<{ group: number; check: CaptureCheck }>;
  private readonly captureGroups: number[];
  /**
   * Text every line in the form starts with (`{"<first field>":`): a caller holding bytes can turn
   * away other records before decoding them (the sink, whose topics may hold any JSON).
   */
  readonly prefix: string;

  constructor(schema: ObjectSchema, options: MatcherOptions) {
    for (const key of Object.keys(schema)) if (!OBJECT_KEYWORDS.has(key)) throw unsupported('(the record)', `keyword ${key}`);
    const properties = Object.entries(schema.properties ?? {});
    const required = new Set(schema.required ?? []);
    for (const name of required) if (!Object.hasOwn(schema.properties ?? {}, name)) throw unsupported(name, 'a required field the contract does not describe');
    const builder = new ExpressionBuilder(options);
    const groups = new Map<string, number>();
    const members = properties.map(([name, node], index) => {
      // An optional field may be absent from a canonical line (a line written before it was added);
      // when present it is still in contract order. The object's first member anchors the commas.
      const optional = !required.has(name);
      if (optional && index === 0) throw unsupported(name, 'an optional first field');
      if (/["\\\u0000-\u001f\ud800-\udfff]/.test(name)) throw unsupported(name, 'a name that needs escaping');
      const value = builder.field(name, node, options.capture.includes(name));
      if (value.group !== undefined) groups.set(name, value.group);
      const member = `${index === 0 ? '' : ','}"${escapeRegExp(name)}":${value.source}`;
      return optional ? `(?:${member})?` : member;
    });
    this.prefix = properties.length === 0 ? '{}' : `{"${properties[0]![0]}":`;
    try {
      this.expression = new RegExp(`^\\{${members.join('')}\\}$`, 'u');
    } catch (err) {
      // An embedded pattern valid alone but not where it was put: no fast path rather than no start.
      throw new PipelineError('INTERNAL', `the canonical-line expression does not compile: ${(err as Error).message.slice(0, 200)}`, { cause: err });
    }
    this.checks = builder.checks;
    this.captureGroups = options.capture.map((name) => {
      const group = groups.get(name);
      if (group === undefined) throw new PipelineError('INTERNAL', `the contract has no field ${name} to capture`);
      return group;
    });
  }

  /**
   * The generated expression's text: what the form admits, as far as the expression decides it
   * (part of a form's fingerprint, listening-event-canonical.ts).
   */
  get source(): string {
    return this.expression.source;
  }

  /** The captured fields' values (options.capture order) when the line is canonical and valid; undefined means "validate it in full", not "invalid". */
  match(line: string): CapturedValue[] | undefined {
    const found = this.expression.exec(line);
    if (!found) return undefined;
    for (const { group, check } of this.checks) {
      const text = found[group];
      if (text !== undefined && !check(text)) return undefined;
    }
    return this.captureGroups.map((group) => decode(found[group]));
  }
}
