import { isUtf8 } from 'node:buffer';
import { scanJsonObject, type JsonObjectScan } from '../../../src/pipeline/json-object-scan';

type Verdict = JsonObjectScan['ok'] | 'not_json' | 'not_object' | 'not_utf8';

/**
 * What JSON.parse of the UTF-8 text and Node's UTF-8 validator say together: the scanner must
 * agree on every input. Bytes that are neither JSON nor UTF-8 may get either reason (the scanner
 * stops at the first problem); an object whose only fault is its UTF-8 must get `not_utf8`.
 */
function oracle(bytes: Buffer): Verdict | Verdict[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return isUtf8(bytes) ? 'not_json' : ['not_json', 'not_utf8'];
  }
  const object = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  if (!object) return 'not_object';
  return isUtf8(bytes) ? true : 'not_utf8';
}

function agrees(bytes: Buffer): boolean {
  const expected = oracle(bytes);
  const actual = verdict(bytes);
  return Array.isArray(expected) ? expected.includes(actual) : expected === actual;
}

function verdict(bytes: Buffer): Verdict {
  const scan = scanJsonObject(bytes);
  return scan.ok ? true : scan.reason;
}

/** A deterministic PRNG (mulberry32): the random cases are the same on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EVENT = JSON.stringify({
  schema_version: 1,
  event_id: 'e-0001',
  ts: '2026-11-29T12:00:00Z',
  ms_played: 183_201,
  ratio: -1.25e-3,
  track_name: 'Blinding Lights \u00e9 \\ "quoted" \n \u2028 \ud83c\udfb5',
  episode_name: null,
  shuffle: true,
  skipped: false,
  nested: { list: [1, [2, {}], [], { a: [null] }], empty: {} },
});

describe('scanJsonObject agrees with JSON.parse', () => {
  const cases: string[] = [
    EVENT,
    '{}',
    ' {"a":1} ',
    '{"a":1}\n',
    '{\n  "a": [1, 2]\n}',
    '{"a":01}',
    '{"a":-0}',
    '{"a":-}',
    '{"a":1.}',
    '{"a":.5}',
    '{"a":1e}',
    '{"a":1E+5}',
    '{"a":1e-05}',
    '{"a":tru}',
    '{"a":nul}',
    '{"a":"\\x"}',
    '{"a":"\\u12"}',
    '{"a":"\\u12G4"}',
    '{"a":"\\uABCD"}',
    '{"a":"tab\there"}',
    '{"a":1,}',
    '{,"a":1}',
    '{"a" 1}',
    '{"a":1 "b":2}',
    '{"a":[1,]}',
    '{"a":[,1]}',
    '{"a":[1 2]}',
    '{"a":{"b":{"c":{}}}}',
    '{"a":1}{"b":2}',
    '{"a":1}]',
    '{"a":[}',
    '{"a":{]}',
    '{"a":1',
    '{"a":"unterminated}',
    '{1:2}',
    '[]',
    '[{"a":1}]',
    '"string"',
    '42',
    'null',
    'true',
    '',
    '   ',
    'not json',
    '\ufeff{"a":1}',
    `{"deep":${'['.repeat(600)}${']'.repeat(600)}}`,
    `{"deep":${'['.repeat(100)}${']'.repeat(100)}}`,
  ];

  it.each(cases.map((c) => [c.length > 60 ? `${c.slice(0, 57)}...` : c, c]))('%s', (_name, text) => {
    const bytes = Buffer.from(text, 'utf8');
    // The scanner caps nesting at 512 levels; JSON.parse goes deeper, and such a value is not an event either way.
    if (text.startsWith('{"deep":[[[[') && text.length > 1_000) expect(verdict(bytes)).toBe('not_json');
    else expect(verdict(bytes)).toEqual(oracle(bytes));
  });

  it('on 20,000 random byte mutations of an event (insert, delete, replace)', () => {
    const random = prng(7);
    const alphabet = Buffer.from('{}[]:,"\\ \n\t0123456789-+.eEtruefalsn\u00ff\u0001xyz', 'latin1');
    const base = Buffer.from(EVENT, 'utf8');
    const disagreements: string[] = [];
    for (let n = 0; n < 20_000; n++) {
      const bytes = Buffer.from(base);
      const edits = 1 + Math.floor(random() * 3);
      let mutated: Buffer = bytes;
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(random() * mutated.length);
        const byte = alphabet[Math.floor(random() * alphabet.length)]!;
        const kind = random();
        if (kind < 0.33) mutated = Buffer.concat([mutated.subarray(0, at), Buffer.from([byte]), mutated.subarray(at)]);
        else if (kind < 0.66) mutated = Buffer.concat([mutated.subarray(0, at), mutated.subarray(at + 1)]);
        else mutated[at] = byte;
      }
      if (!agrees(mutated)) disagreements.push(mutated.toString('latin1'));
    }
    expect(disagreements.slice(0, 5)).toEqual([]);
  });

  it('on 20,000 random short strings of JSON tokens', () => {
    const random = prng(11);
    const tokens = ['{', '}', '[', ']', ':', ',', '"a"', '"\\u00e9"', '1', '-2.5e3', '0', '00', 'true', 'null', ' ', '\n', '"', '\\', '.'];
    const disagreements: string[] = [];
    for (let n = 0; n < 20_000; n++) {
      const length = 1 + Math.floor(random() * 12);
      let text = random() < 0.7 ? '{' : '';
      for (let k = 0; k < length; k++) text += tokens[Math.floor(random() * tokens.length)];
      if (random() < 0.7) text += '}';
      const bytes = Buffer.from(text, 'utf8');
      if (!agrees(bytes)) disagreements.push(text);
    }
    expect(disagreements.slice(0, 5)).toEqual([]);
  });

  it('checks UTF-8 like Node does: every sequence class, overlong forms, surrogates, beyond U+10FFFF, truncation', () => {
    const sequences = [
      [0x41], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x8e, 0xb5], [0xf4, 0x8f, 0xbf, 0xbf],
      [0xc0, 0xaf], [0xc1, 0xbf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf0, 0x80, 0x80, 0xaf], [0xf4, 0x90, 0x80, 0x80],
      [0xf5, 0x80, 0x80, 0x80], [0xff], [0x80], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x8e], [0xe2, 0x28, 0xa1],
    ];
    for (const sequence of sequences) {
      const bytes = Buffer.concat([Buffer.from('{"a":"x'), Buffer.from(sequence), Buffer.from('y"}')]);
      expect([Buffer.from(sequence).toString('hex'), verdict(bytes)]).toEqual([Buffer.from(sequence).toString('hex'), isUtf8(bytes) ? true : 'not_utf8']);
    }
    // Every two-byte combination after a lead byte, against Node's validator.
    const disagreements: string[] = [];
    for (let lead = 0x80; lead < 0x100; lead++) {
      for (let second = 0; second < 0x100; second += 1) {
        const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, lead, second, 0x80, 0x80, 0x22, 0x7d]);
        if (!agrees(bytes)) disagreements.push(bytes.toString('hex'));
      }
    }
    expect(disagreements.slice(0, 5)).toEqual([]);
  });

  it('says whether the bytes can be one NDJSON line as they are', () => {
    expect(scanJsonObject(Buffer.from('{"a":[1,2]}'))).toEqual({ ok: true, compact: true });
    expect(scanJsonObject(Buffer.from('{"a":\n1}'))).toEqual({ ok: true, compact: false });
    expect(scanJsonObject(Buffer.from(' {"a":1}'))).toEqual({ ok: true, compact: false });
    expect(scanJsonObject(Buffer.from('{"a":1}\n'))).toEqual({ ok: true, compact: false });
  });
});
