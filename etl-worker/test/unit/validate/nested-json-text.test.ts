import { exactInteger, keyCountAtAnyDepth, nestedTextProblem, numberTextAt } from '../../../src/validate/nested-json-text';

describe('nested JSON text checks', () => {
  it('counts the keys of every object as written, not keys or braces inside strings', () => {
    expect(keyCountAtAnyDepth('{"a":{"b":1,"c":[{"d":2},{"e":{}}]},"f":"{\\"g\\":1, \\"h\\"}"}')).toBe(6);
    expect(keyCountAtAnyDepth('{"a":{"b":1,"b":2}}')).toBe(3);
    expect(keyCountAtAnyDepth('{ "a" : [ "x" , "y" ] , "b" : { } }')).toBe(2);
  });

  it('finds repeats and lone surrogates below the top level only', () => {
    const check = (line: string) => nestedTextProblem(line, JSON.parse(line) as Record<string, unknown>);
    expect(check('{"a":{"b":1,"b":2}}')).toEqual({ reason: 'duplicate_key', message: 'a key appears more than once in a nested object' });
    expect(check('{"a":[{"b":1},{"b":2}],"c":{"b":3}}')).toBeUndefined();
    expect(check('{"a":[{"b":["x","\\ud800"]}]}')).toEqual({ reason: 'invalid_text', message: 'field a[0].b[1] holds a lone UTF-16 surrogate (half of a character)' });
    expect(check('{"a":"\\ud800","b":1}')).toBeUndefined();
  });

  it('reads a number literal at a path as written, past strings, spaces and escaped keys', () => {
    const line = '{"x":"}\\"id\\":1", "id\\u0031":2 ,"u":{"skip":[1,{"id":3}],"id" : 12345678901234567890 }}';
    expect(numberTextAt(line, ['u', 'id'])).toBe('12345678901234567890');
    expect(numberTextAt(line, ['id1'])).toBe('2');
    expect(numberTextAt(line, ['u', 'missing'])).toBeUndefined();
    expect(numberTextAt(line, ['x'])).toBeUndefined();
  });

  it('gives a BIGINT’s exact value: digits beyond 2^53 as written, a literal with an exponent as its double', () => {
    expect(exactInteger('{"n":9007199254740993}', ['n'], 9007199254740993)).toBe(9007199254740993n);
    expect(exactInteger('{"n":9.3e18}', ['n'], 9.3e18)).toBe(BigInt(9.3e18));
    expect(exactInteger('{"n":-42}', ['n'], -42)).toBe(-42n);
  });
});
