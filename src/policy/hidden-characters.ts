/**
 * Which code points Patchbay treats as hidden: characters a person reading a tool's
 * description does not see, but a model reading the same text does.
 *
 * The invisible set is Unicode's Default_Ignorable_Code_Point property (what renderers
 * draw as nothing) plus the interlinear annotation controls U+FFF9–U+FFFB, which are
 * format characters drawn as nothing but not in that property. Line and paragraph
 * separators (U+2028/U+2029), visible spaces (U+00A0, U+2000–U+200A, U+3000) and
 * private-use characters are not hidden: a person sees something there.
 */

export type HiddenClass = 'control' | 'c1' | 'bidi' | 'zero-width' | 'variation-selector' | 'tag';

/** Classifies one code point; `undefined` means it shows as itself. */
export function classifyCodePoint(cp: number): HiddenClass | undefined {
  if (cp < 0x20 || cp === 0x7f) return 'control';
  if (cp < 0x7f) return undefined;
  if (cp <= 0x9f) return 'c1';
  if (cp < 0xad) return undefined;
  if (cp >= 0xd800 && cp <= 0xdfff) return 'control';
  if (isBidiControl(cp)) return 'bidi';
  if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef)) return 'variation-selector';
  if (cp >= 0xe0000 && cp <= 0xe007f) return 'tag';
  return isInvisible(cp) ? 'zero-width' : undefined;
}

function isBidiControl(cp: number): boolean {
  return cp === 0x061c || cp === 0x200e || cp === 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

function isInvisible(cp: number): boolean {
  if (cp < 0x10000) {
    return (
      cp === 0x00ad ||
      cp === 0x034f ||
      cp === 0x115f ||
      cp === 0x1160 ||
      cp === 0x17b4 ||
      cp === 0x17b5 ||
      (cp >= 0x180b && cp <= 0x180f) ||
      (cp >= 0x200b && cp <= 0x200d) ||
      (cp >= 0x2060 && cp <= 0x2065) ||
      (cp >= 0x206a && cp <= 0x206f) ||
      cp === 0x3164 ||
      cp === 0xfeff ||
      cp === 0xffa0 ||
      (cp >= 0xfff0 && cp <= 0xfffb)
    );
  }
  return (cp >= 0x1bca0 && cp <= 0x1bca3) || (cp >= 0x1d173 && cp <= 0x1d17a) || (cp >= 0xe0000 && cp <= 0xe0fff);
}

const EXTENDED_PICTOGRAPHIC = /^\p{Extended_Pictographic}$/u;
const EMOJI = /^\p{Emoji}$/u;
const IDEOGRAPHIC = /^\p{Ideographic}$/u;
const LETTER_OR_MARK = /^[\p{L}\p{M}]$/u;
// Scripts whose spelling needs ZWJ/ZWNJ between letters (Persian words, Indic conjuncts).
const JOINING_SCRIPT =
  /^[\p{sc=Arabic}\p{sc=Syriac}\p{sc=Nko}\p{sc=Mongolian}\p{sc=Devanagari}\p{sc=Bengali}\p{sc=Gurmukhi}\p{sc=Gujarati}\p{sc=Oriya}\p{sc=Tamil}\p{sc=Telugu}\p{sc=Kannada}\p{sc=Malayalam}\p{sc=Sinhala}\p{sc=Myanmar}\p{sc=Khmer}\p{sc=Tibetan}\p{sc=Thaana}]$/u;
// Bases of the standardized variation sequences that use VS1–VS14.
const STANDARD_VARIANT_BASE = /^[\p{Ideographic}\p{Sm}\p{sc=Myanmar}\p{sc=Phags_Pa}\p{sc=Manichaean}\p{sc=Egyptian_Hieroglyphs}]$/u;
const MONGOLIAN = /^\p{sc=Mongolian}$/u;

const matches = (pattern: RegExp, cp: number) => cp >= 0 && pattern.test(String.fromCodePoint(cp));
const isJoiningLetter = (cp: number) => matches(LETTER_OR_MARK, cp) && matches(JOINING_SCRIPT, cp);

/**
 * Whether a zero-width character is part of ordinary writing, given the visible code
 * points around it (-1 when there is none):
 * - ZWJ between emoji (👩‍💻, 🏳️‍🌈): the joiner is how the emoji is spelled;
 * - ZWJ or ZWNJ between two letters of a script that uses them (Persian "می‌خواهم",
 *   Indic conjuncts) — this lets one bit through per letter, which is the price of
 *   not flagging every Persian text;
 * - a Mongolian free variation selector right after a Mongolian letter.
 * Everything else in the class, including U+180E and runs of joiners, is hidden.
 */
export function isLegitimateJoiner(cp: number, previous: number, next: number): boolean {
  // A neighbour that is itself removed would leave the joiner stranded in the clean text.
  if (next < 0 || classifyCodePoint(next) !== undefined) return false;
  if (cp === 0x200d && matches(EXTENDED_PICTOGRAPHIC, next)) {
    if (matches(EXTENDED_PICTOGRAPHIC, previous) || previous === 0xfe0f || (previous >= 0x1f3fb && previous <= 0x1f3ff)) return true;
  }
  if ((cp === 0x200c || cp === 0x200d) && isJoiningLetter(previous) && isJoiningLetter(next)) return true;
  if (((cp >= 0x180b && cp <= 0x180d) || cp === 0x180f) && matches(MONGOLIAN, previous)) return true;
  return false;
}

/**
 * Whether one variation selector after a visible code point selects a glyph (❤️, 葛󠄀)
 * rather than carries data. Runs of selectors, or a selector after a base it cannot
 * modify (a Latin letter), can encode a byte each, so those are hidden.
 */
export function isLegitimateVariationSelector(cp: number, previous: number): boolean {
  if (previous < 0) return false;
  if (cp === 0xfe0e || cp === 0xfe0f) return matches(EMOJI, previous);
  if (cp >= 0xfe00 && cp <= 0xfe0d) return matches(STANDARD_VARIANT_BASE, previous);
  return matches(IDEOGRAPHIC, previous);
}

/** The byte a variation selector stands for in the "emoji smuggling" encoding. */
export function variationSelectorByte(cp: number): number {
  return cp <= 0xfe0f ? cp - 0xfe00 : cp - 0xe0100 + 16;
}

export function formatCodePoint(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

const NAMES = new Map<number, string>([
  [0x00, 'null'],
  [0x07, 'bell'],
  [0x08, 'backspace'],
  [0x0b, 'vertical tab'],
  [0x0c, 'form feed'],
  [0x0d, 'carriage return without line feed'],
  [0x7f, 'delete'],
  [0x85, 'next line'],
  [0xad, 'soft hyphen'],
  [0x034f, 'combining grapheme joiner'],
  [0x061c, 'Arabic letter mark'],
  [0x115f, 'Hangul choseong filler'],
  [0x1160, 'Hangul jungseong filler'],
  [0x180e, 'Mongolian vowel separator'],
  [0x200b, 'zero width space'],
  [0x200c, 'zero width non-joiner'],
  [0x200d, 'zero width joiner'],
  [0x200e, 'left-to-right mark'],
  [0x200f, 'right-to-left mark'],
  [0x202a, 'left-to-right embedding'],
  [0x202b, 'right-to-left embedding'],
  [0x202c, 'pop directional formatting'],
  [0x202d, 'left-to-right override'],
  [0x202e, 'right-to-left override'],
  [0x2060, 'word joiner'],
  [0x2061, 'function application'],
  [0x2062, 'invisible times'],
  [0x2063, 'invisible separator'],
  [0x2064, 'invisible plus'],
  [0x2066, 'left-to-right isolate'],
  [0x2067, 'right-to-left isolate'],
  [0x2068, 'first strong isolate'],
  [0x2069, 'pop directional isolate'],
  [0x3164, 'Hangul filler'],
  [0xfeff, 'zero width no-break space'],
  [0xffa0, 'halfwidth Hangul filler'],
]);

/** `U+202E (right-to-left override)`, or just `U+E0F00` for the unnamed. */
export function describeCodePoint(cp: number): string {
  const name = NAMES.get(cp) ?? (cp >= 0xd800 && cp <= 0xdfff ? 'unpaired surrogate' : undefined);
  return name ? `${formatCodePoint(cp)} (${name})` : formatCodePoint(cp);
}
