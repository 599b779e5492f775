/**
 * What a display name and a room name may be, and when two names look the
 * same. The host applies these rules to every `join` (decode.ts, session.ts)
 * and the renderer applies the same ones before it asks a host
 * (renderer/src/lib/validation.ts), so both always agree.
 *
 * Why (issue 13, finding 9): a Cyrillic "А", a zero-width space, a
 * right-to-left override, fullwidth letters or combining marks let a member
 * pose as "Alice" next to the real one, and `invoice\u202Egpj.exe` shows as
 * "invoiceexe.jpg". So names are NFKC-normalised (fullwidth and other
 * compatibility forms become plain letters), names with invisible or
 * direction-changing characters are refused, and a name whose confusable
 * skeleton (Unicode TR39 §4, reduced to the lookalikes that matter here)
 * equals a present member's is refused.
 *
 * Pure JavaScript, no imports: the renderer bundles it as it is.
 *
 * @public
 */
import { NAME_MAX_LENGTH, ROOM_MAX_LENGTH, ROOM_NAME_PATTERN } from './limits';

/** Why a name was refused. @public */
export type NameProblem = 'empty' | 'tooLong' | 'forbiddenCharacter' | 'pattern';

/** A checked name: the normalised form to use, or why it cannot be used. @public */
export type NameCheck = { ok: true; name: string } | { ok: false; problem: NameProblem };

/**
 * Characters no name may hold: C0/C1 controls (NUL, newlines, ESC), format
 * characters (bidi embeddings, overrides, isolates and marks; zero-width
 * space, joiner and non-joiner; word joiner; BOM; tags; soft hyphen),
 * surrogates, private use, line and paragraph separators, the
 * default-ignorable invisible letters (Hangul fillers, the combining
 * grapheme joiner, Mongolian free variation selectors) and noncharacters.
 * Variation selectors (the emoji presentation selector in "❤️") stay
 * allowed; the skeleton ignores them.
 */
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Zl}\p{Zp}\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u3164\uFFA0\uFDD0-\uFDEF\uFFFE\uFFFF]/u;

/**
 * A zero-width joiner between two pictographs ("👩‍💻", "🏳️‍🌈") is how emoji
 * sequences are written, not a way to hide anything: it is allowed there
 * and only there.
 */
const EMOJI_ZWJ = /(?<=\p{Extended_Pictographic}[\uFE0F\u{1F3FB}-\u{1F3FF}]?)\u200D(?=\p{Extended_Pictographic})/gu;

/** Control characters (C0, DEL, C1), NUL included: refused in names, room names and ids. */
const CONTROL = /\p{Cc}/u;

/**
 * Combining marks in a row that a name may carry: enough for any script's
 * stacked vowel signs and tones, not for "Zalgo" text that paints over the
 * lines around it.
 */
const MAX_MARK_RUN = 4;
const MARK_RUN = new RegExp(`\\p{M}{${MAX_MARK_RUN + 1},}`, 'u');

/**
 * NFKC form, trimmed: "Ａｌｉｃｅ" becomes "Alice", "ﬁ" becomes "fi", a
 * no-break or ideographic space becomes a plain one.
 *
 * @public
 */
export function normaliseName(raw: string): string {
  return raw.normalize('NFKC').trim();
}

/** Whether `text` holds a control character (NUL, newline, ESC, DEL, C1). @public */
export function hasControlCharacter(text: string): boolean {
  return CONTROL.test(text);
}

/** Whether `name` (normalised) holds a character names may not have. @public */
export function hasForbiddenNameCharacter(name: string): boolean {
  return FORBIDDEN.test(name.replace(EMOJI_ZWJ, '')) || MARK_RUN.test(name);
}

/**
 * Checks a display name the way the host does.
 * @returns the normalised name to use, or the problem
 * @public
 */
export function checkDisplayName(raw: string): NameCheck {
  const name = normaliseName(raw);
  if (name.length === 0) return { ok: false, problem: 'empty' };
  if (name.length > NAME_MAX_LENGTH) return { ok: false, problem: 'tooLong' };
  if (hasForbiddenNameCharacter(name)) return { ok: false, problem: 'forbiddenCharacter' };
  return { ok: true, name };
}

/**
 * Checks a room name the way the host does (letters, digits, space, dot,
 * dash and underscore, after NFKC).
 * @returns the normalised room name to use, or the problem
 * @public
 */
export function checkRoomName(raw: string): NameCheck {
  const name = normaliseName(raw);
  if (name.length === 0) return { ok: false, problem: 'empty' };
  if (name.length > ROOM_MAX_LENGTH) return { ok: false, problem: 'tooLong' };
  if (hasForbiddenNameCharacter(name)) return { ok: false, problem: 'forbiddenCharacter' };
  if (!ROOM_NAME_PATTERN.test(name)) return { ok: false, problem: 'pattern' };
  return { ok: true, name };
}

// ---------------------------------------------------------------------------
// Confusable skeletons
// ---------------------------------------------------------------------------

/**
 * Lookalikes mapped before case folding: capitals of other scripts that
 * look like Latin capitals (their small letters often do not: Cyrillic "В"
 * looks like "B", "в" does not look like "b"), and the digits and symbols
 * TR39 maps to letters. Values are Latin; they are lower-cased afterwards.
 * A subset of TR39's confusables.txt covering Latin, Cyrillic and Greek.
 */
const BEFORE_FOLDING: Readonly<Record<string, string>> = {
  // Cyrillic capitals
  А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', Х: 'X', У: 'Y',
  Ѕ: 'S', І: 'l', Ї: 'l', Ј: 'J', Ԛ: 'Q', Ԝ: 'W', Ӏ: 'l', Ү: 'Y', Ғ: 'F', Ь: 'b', З: '3',
  // Greek capitals
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'l', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Υ: 'Y', Χ: 'X', Ϲ: 'C', Ϳ: 'J',
  // Latin and symbols that pass for other letters
  I: 'l', '1': 'l', '|': 'l', ǀ: 'l', '0': 'O', Ɩ: 'l',
};

/** Lookalikes of small Latin letters, mapped after case folding. */
const AFTER_FOLDING: Readonly<Record<string, string>> = {
  // Cyrillic small letters
  а: 'a', е: 'e', о: 'o', р: 'p', с: 'c', у: 'y', х: 'x', ѕ: 's', і: 'i', ї: 'i', ј: 'j', ԁ: 'd', һ: 'h', ӏ: 'l',
  ԛ: 'q', ԝ: 'w', ү: 'y', ɡ: 'g', ꮃ: 'w',
  // Greek small letters
  α: 'a', ο: 'o', ν: 'v', ρ: 'p', ι: 'i', υ: 'u', χ: 'x', γ: 'y', ϲ: 'c', ϳ: 'j',
  // Latin lookalikes
  ı: 'i', ɑ: 'a', ɩ: 'i', ʏ: 'y', ɪ: 'i', ȷ: 'j', ℮: 'e',
};

/** Letter pairs that pass for one letter in most fonts (TR39 maps these too). */
const PAIRS: ReadonlyArray<[RegExp, string]> = [
  [/rn/g, 'm'],
  [/vv/g, 'w'],
];

/** Nonspacing and enclosing marks, and default-ignorable characters (variation selectors, joiners). */
const IGNORED_IN_SKELETON = /[\p{Mn}\p{Me}\p{Default_Ignorable_Code_Point}]/gu;

function mapEach(text: string, table: Readonly<Record<string, string>>): string {
  let out = '';
  for (const char of text) out += table[char] ?? char;
  return out;
}

/**
 * The confusable skeleton of a name: two names with the same skeleton look
 * the same to a reader. After TR39's `skeleton(X)` (NFD, map confusables,
 * NFD), plus what LanChat's case-insensitive names need: NFKC first
 * (fullwidth and mathematical letters), nonspacing marks and invisible
 * characters dropped ("é" reads as "e" next to an "e"), case folded,
 * whitespace runs collapsed. Hangul and other scripts pass through: only
 * letters that imitate Latin ones are mapped.
 *
 * @public
 */
export function nameSkeleton(name: string): string {
  let text = name.normalize('NFKC').normalize('NFD').replace(IGNORED_IN_SKELETON, '');
  text = mapEach(text, BEFORE_FOLDING).toLowerCase();
  text = mapEach(text, AFTER_FOLDING);
  for (const [pattern, replacement] of PAIRS) text = text.replace(pattern, replacement);
  return text.replace(/\s+/gu, ' ').trim().normalize('NFD');
}

/**
 * The two skeletons a name is compared by. LanChat's names are unique
 * without letter case, but TR39 maps some capitals before any folding
 * ("I" passes for "l", Cyrillic "В" for "B"), so a name is compared both
 * as typed and lower-cased: "ALİCE" imitates "Alice" through the second.
 */
function skeletonsOf(name: string): [string, string] {
  return [nameSkeleton(name), nameSkeleton(name.toLowerCase())];
}

/**
 * Whether two names look the same to a reader (either of their skeletons
 * match).
 *
 * @public
 */
export function namesLookAlike(a: string, b: string): boolean {
  const [aTyped, aFolded] = cachedSkeletons(a);
  const [bTyped, bFolded] = cachedSkeletons(b);
  return aTyped === bTyped || aFolded === bFolded;
}

/** Skeletons of names seen lately: a join compares against every member, each of whom would otherwise be recomputed. */
const SKELETON_CACHE_LIMIT = 4_096;
const skeletonCache = new Map<string, [string, string]>();

function cachedSkeletons(name: string): [string, string] {
  let skeletons = skeletonCache.get(name);
  if (skeletons === undefined) {
    if (skeletonCache.size >= SKELETON_CACHE_LIMIT) skeletonCache.clear();
    skeletons = skeletonsOf(name);
    skeletonCache.set(name, skeletons);
  }
  return skeletons;
}

/**
 * The present member whose name looks like `name` without being the same
 * name (same name up to letter case is the room's own name check, which also
 * lets a reconnecting member take its name back).
 * @returns that member, or undefined when there is none
 * @public
 */
export function findLookalike<T extends { name: string }>(name: string, members: Iterable<T>): T | undefined {
  const folded = name.toLowerCase();
  for (const member of members) {
    if (member.name.toLowerCase() === folded) continue;
    if (namesLookAlike(name, member.name)) return member;
  }
  return undefined;
}
