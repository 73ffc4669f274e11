import { ExactEventIds, hash64, HashedEventIds } from '../../../src/pipeline/event-id-filter';

describe('event id filters', () => {
  it('exact: new ids are new, repeated ids are not', () => {
    const ids = new ExactEventIds();
    expect(['a-00000001', 'b-00000002', 'a-00000001', 'c-00000003', 'b-00000002'].map((id) => ids.add(id))).toEqual([true, true, false, true, false]);
  });

  it('hashed: a repeated id is never called new (it answers maybe), across table growth', () => {
    const ids = new HashedEventIds();
    const all = Array.from({ length: 200_000 }, (_, i) => `evt-${i.toString(36).padStart(10, '0')}`);
    // 200k distinct ids of one shape: no two share a 64-bit hash, so none is wrongly flagged.
    expect(all.filter((id) => ids.add(id) !== true)).toEqual([]);
    expect([all[0], all[123_456], all[199_999]].map((id) => ids.add(id!))).toEqual(['maybe', 'maybe', 'maybe']);
  });

  it('hashed: colliding hashes answer maybe, never false, so the caller re-checks exactly', () => {
    const ids = new HashedEventIds((_text, out) => out.fill(7));
    expect([ids.add('one-00000001'), ids.add('two-00000002')]).toEqual([true, 'maybe']);
  });

  it('hash64 depends on every code unit', () => {
    const out = new Int32Array(2);
    const of = (text: string) => (hash64(text, out), [...out]);
    expect(of('evt-0000000001')).not.toEqual(of('evt-0000000002'));
    expect(of('évt-1')).not.toEqual(of('evt-1'));
    expect(of('ab')).not.toEqual(of('ba'));
  });
});
