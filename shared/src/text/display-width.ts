/**
 * Columns a string takes in a terminal, so tables stay aligned when track names are Japanese,
 * Korean or Chinese, or hold emoji: `'中'.length` is 1 but it takes two columns, `'é'` may be two
 * code units in one column, and a family emoji is eight code units in two columns.
 *
 * Per user-perceived character (grapheme cluster, `Intl.Segmenter`): East Asian Wide and Fullwidth
 * characters and emoji presented as emoji take 2; combining marks, joiners and controls take 0
 * (they attach to the character before them); everything else takes 1. East Asian Ambiguous
 * characters count 1, as in terminals outside CJK locales.
 */

/**
 * East Asian Width W and F (Unicode's EastAsianWidth.txt) outside the emoji blocks, which
 * `\p{Emoji_Presentation}` covers: Hangul Jamo, CJK symbols and punctuation, kana, CJK ideographs,
 * Yi, Hangul syllables, compatibility ideographs and forms, fullwidth forms, and the supplementary
 * ideographic planes.
 */
const WIDE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x2329, 0x232a],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x18dff],
  [0x1aff0, 0x1b2ff],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

const isWide = (codePoint: number): boolean => WIDE_RANGES.some(([from, to]) => codePoint >= from && codePoint <= to);

/** Emoji shown as emoji by default, or made so by VS16 (U+FE0F), keycaps, and flags (regional indicator pairs). */
const EMOJI = /\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F|[#*0-9]\uFE0F?\u20E3|\p{Regional_Indicator}{2}/u;

/** Marks, format characters (ZWJ, variation selectors' neighbours) and controls take no column. */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\p{Cc}]+$/u;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

function clusterWidth(cluster: string): number {
  if (EMOJI.test(cluster)) return 2;
  if (ZERO_WIDTH.test(cluster)) return 0;
  return isWide(cluster.codePointAt(0)!) ? 2 : 1;
}

export function displayWidth(text: string): number {
  // Printable ASCII, the common case, is one column per code unit.
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  let width = 0;
  for (const { segment } of graphemes.segment(text)) width += clusterWidth(segment);
  return width;
}

/** `text` padded with spaces on the right to `width` columns (never truncated). */
export function padEndToWidth(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/** `text` padded with spaces on the left to `width` columns (never truncated). */
export function padStartToWidth(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(text))) + text;
}
