import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastLogLine, summarizeLogLine } from '../../../src/pipeline/log-tail';

describe('the last line of a service log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'log-tail-'));

  it('is the last non-empty line after the offset, or nothing when the process wrote nothing', () => {
    const file = join(dir, 'a.log');
    writeFileSync(file, 'earlier run\nthis run, first\nthis run, last\n\n');
    expect(lastLogLine(file, 0)).toBe('this run, last');
    expect(lastLogLine(file, 'earlier run\n'.length)).toBe('this run, last');
    expect(lastLogLine(file, Buffer.byteLength('earlier run\nthis run, first\nthis run, last\n\n'))).toBeUndefined();
    expect(lastLogLine(join(dir, 'missing.log'))).toBeUndefined();
  });

  it('reads only the end of a big log', () => {
    const file = join(dir, 'big.log');
    writeFileSync(file, `${'x'.repeat(1_000)}\n`.repeat(5_000) + 'the end\n');
    expect(lastLogLine(file)).toBe('the end');
  });

  it('is summarised as the event and the error message for JSON, as written otherwise, and cut when long', () => {
    expect(summarizeLogLine('{"level":"fatal","msg":"ServiceFailed","err":{"message":"broker down\\nstack"}}')).toBe('ServiceFailed: broker down');
    expect(summarizeLogLine('{"msg":"ServiceStopping","reason":"SIGTERM"}')).toBe('ServiceStopping: SIGTERM');
    expect(summarizeLogLine('etl-worker: Invalid configuration: ETL_GROUP_ID is required')).toBe('etl-worker: Invalid configuration: ETL_GROUP_ID is required');
    expect(summarizeLogLine('{ not json')).toBe('{ not json');
    expect(summarizeLogLine('y'.repeat(500), 20)).toBe(`${'y'.repeat(19)}…`);
  });
});
