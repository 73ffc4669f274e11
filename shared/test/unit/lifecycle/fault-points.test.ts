import { faultPoints } from '@spotify-pipeline/shared/lifecycle';

describe('faultPoints', () => {
  it('kills on the named hit of the named point only', () => {
    const kills: string[] = [];
    const faults = faultPoints('catalog.after-commit@2, etl.before-upload', () => kills.push('kill'));
    faults.reach('catalog.before-commit');
    faults.reach('catalog.after-commit');
    expect(kills).toEqual([]);
    faults.reach('catalog.after-commit');
    expect(kills).toEqual(['kill']);
    faults.reach('catalog.after-commit');
    faults.reach('etl.before-upload');
    expect(kills).toEqual(['kill', 'kill']);
  });

  it('does nothing when unset, and refuses a malformed spec naming it', () => {
    expect(() => faultPoints(undefined, () => undefined).reach('x')).not.toThrow();
    expect(() => faultPoints('x@zero', () => undefined)).toThrow(/PIPELINE_FAULT_POINTS="x@zero" is invalid/);
    expect(() => faultPoints('x@zero', () => undefined)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
