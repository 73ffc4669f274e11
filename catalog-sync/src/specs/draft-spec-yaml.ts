import type { DraftSpecDocument } from './infer-spec.js';

/**
 * The text of a draft `<table>.table.yaml`: the notes as a comment on top, the document, and
 * commented-out placeholders where the inference found nothing (event_time, dedup_key), so the
 * person editing it sees what is missing where it belongs.
 *
 * Written here rather than with a YAML library: the document is a few known fields, and a value
 * that is not a plain word is written as a JSON string, which YAML 1.2 reads as the same string.
 */

const NOTE_WIDTH = 100;

/** Words YAML would read as something other than a string (booleans, null), in any case. */
const NOT_A_STRING = new Set(['true', 'false', 'null', 'yes', 'no', 'on', 'off', 'y', 'n', '~']);
const PLAIN = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function scalar(value: unknown): string {
  if (typeof value === 'string') return PLAIN.test(value) && !NOT_A_STRING.has(value.toLowerCase()) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isScalar = (value: unknown): boolean => !isPlainObject(value) && !Array.isArray(value);

/** One field as YAML lines: scalars inline, flat objects as `{ a: b }`, lists one item a line. */
function entry(key: string, value: unknown, indent: string): string[] {
  const name = `${indent}${scalar(key)}:`;
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${name} []`];
    if (!value.every(isScalar)) return [`${name} ${JSON.stringify(value)}`];
    return [name, ...value.map((item) => `${indent}  - ${scalar(item)}`)];
  }
  if (isPlainObject(value)) {
    const fields = Object.entries(value).filter(([, v]) => v !== undefined);
    if (fields.every(([, v]) => isScalar(v))) return [`${name} { ${fields.map(([k, v]) => `${scalar(k)}: ${scalar(v)}`).join(', ')} }`];
    return [name, ...fields.flatMap(([k, v]) => entry(k, v, `${indent}  `))];
  }
  return [`${name} ${scalar(value)}`];
}

/** Word-wraps one note into comment lines, the first with a bullet. */
function noteLines(note: string): string[] {
  const lines: string[] = [];
  let line = '#   -';
  for (const word of note.split(/\s+/)) {
    if (line.length + word.length + 1 > NOTE_WIDTH && line.trim() !== '#   -') {
      lines.push(line);
      line = '#    ';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines;
}

/** The fields of a spec file in the order shared/src/table-spec/spec-document.ts declares them. */
const FIELD_ORDER: ReadonlyArray<keyof DraftSpecDocument> = [
  'spec_version',
  'table',
  'description',
  'topics',
  'schema',
  'write',
  'event_time',
  'dedup_key',
  'drop_fields',
  'normalize',
  'lookups',
  'derived_columns',
  'partitioning',
  'parquet',
  'schema_evolution',
];

/** What stands where the draft has no value: a missing event_time is what fails `spec check`. */
const PLACEHOLDERS: Partial<Record<keyof DraftSpecDocument, string[]>> = {
  description: ['# description: <what one row is>'],
  event_time: [
    '# event_time: { field: <the field that says when the event happened>, format: iso | epoch_ms | epoch_s }',
    '#   TODO: no field of the sample reads as the event time (see the notes above):',
    '#   spec check fails on event_time until this is set.',
  ],
  dedup_key: ['# dedup_key: <a required field unique per event>   (none found: every record becomes a row)'],
};

/** The draft spec file: `origin` says what was sampled, e.g. "1,000 records of topic web-clicks". */
export function draftSpecYaml(document: DraftSpecDocument, notes: readonly string[], origin: string): string {
  const lines = [
    `# Draft table spec written by \`catalog-sync spec infer\` from ${origin}.`,
    '# Check each note, edit this file and the schema beside it, then run `catalog-sync spec check`',
    '# (docs/table-specs.md describes every field). Delete these notes once done.',
    '#',
    '# Notes:',
    ...notes.flatMap(noteLines),
    '',
  ];
  const keys = [...FIELD_ORDER, ...Object.keys(document).filter((k) => !FIELD_ORDER.includes(k as keyof DraftSpecDocument))] as Array<keyof DraftSpecDocument>;
  for (const key of keys) {
    const value = document[key];
    if (value !== undefined) lines.push(...entry(key, value, ''));
    else lines.push(...(PLACEHOLDERS[key] ?? []));
  }
  return lines.join('\n') + '\n';
}
