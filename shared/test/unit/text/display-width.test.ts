import { displayWidth, padEndToWidth, padStartToWidth } from '@spotify-pipeline/shared/text';

describe('displayWidth', () => {
  it('counts ASCII and Latin text one column per character, however it is encoded', () => {
    expect(displayWidth('Falling Noite')).toBe(13);
    expect(displayWidth('Über Orbit')).toBe(10);
    // "é" as e + U+0301 (two code units) is one column, like the precomposed U+00E9.
    expect(displayWidth('Corazo\u0301n')).toBe(7);
    expect(displayWidth('Coraz\u00f3n')).toBe(7);
    expect(displayWidth('')).toBe(0);
  });

  it('counts East Asian Wide and Fullwidth characters two columns', () => {
    expect(displayWidth('東京の夜')).toBe(8);
    expect(displayWidth('カタカナ')).toBe(8);
    expect(displayWidth('사랑해')).toBe(6);
    expect(displayWidth('Ｆｕｌｌ')).toBe(8);
    expect(displayWidth('Orbit 東京')).toBe(10);
    // Half-width katakana are narrow.
    expect(displayWidth('ｶﾀｶﾅ')).toBe(4);
  });

  it('counts an emoji two columns, also with skin tone, ZWJ sequence, VS16 or as a flag', () => {
    expect(displayWidth('🎵')).toBe(2);
    expect(displayWidth('👍🏽')).toBe(2);
    expect(displayWidth('👨‍👩‍👧')).toBe(2);
    expect(displayWidth('❤️')).toBe(2);
    expect(displayWidth('🇯🇵')).toBe(2);
    expect(displayWidth('Song 🎵 歌')).toBe(10);
    // Without VS16, U+2764 is a text symbol: one column.
    expect(displayWidth('❤')).toBe(1);
  });

  it('gives combining marks, joiners and controls no column of their own', () => {
    expect(displayWidth('\u0301')).toBe(0);
    expect(displayWidth('\u200d')).toBe(0);
    expect(displayWidth('a\u200bb')).toBe(2);
  });
});

describe('padding to a width in columns', () => {
  it('pads by columns, not by string length, and never truncates', () => {
    expect(padEndToWidth('東京', 6)).toBe('東京  ');
    expect(padStartToWidth('🎵', 4)).toBe('  🎵');
    expect(padEndToWidth('Corazo\u0301n', 8)).toBe('Corazo\u0301n ');
    expect(padEndToWidth('東京の夜', 4)).toBe('東京の夜');
  });
});
