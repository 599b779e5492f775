/**
 * Direction overrides in user text, made visible. Isolating a message
 * (`<bdi>`, `dir="auto"`) keeps it from reordering what is around it, but a
 * right-to-left override inside it still reverses the characters after it:
 * `invoice\u202Egpj.exe` shows as "invoiceexe.jpg" (issue 13, finding 9).
 * Names cannot contain one (the host refuses them); message texts may, and
 * people need no override to write in any language, so the two override
 * characters (LRO U+202D, RLO U+202E) are shown as a visible mark instead of
 * acting. Embeddings, isolates and the LRM/RLM marks that right-to-left
 * writers use stay as they are: they cannot reverse a run of Latin letters.
 */

/** A piece of text to show: plain text, or a visible stand-in for an override character. */
export type TextSegment = { kind: 'text'; text: string } | { kind: 'override'; label: string; title: string };

const OVERRIDE_LABELS: Readonly<Record<string, { label: string; title: string }>> = {
  '\u202D': { label: 'LRO', title: 'U+202D left-to-right override (shown, not applied)' },
  '\u202E': { label: 'RLO', title: 'U+202E right-to-left override (shown, not applied)' },
};

const OVERRIDE = /[\u202D\u202E]/u;

/**
 * Splits `text` at its override characters.
 * @returns one text segment when there is none (the common case)
 */
export function revealOverrides(text: string): TextSegment[] {
  if (!OVERRIDE.test(text)) return [{ kind: 'text', text }];
  const segments: TextSegment[] = [];
  let current = '';
  for (const char of text) {
    const override = OVERRIDE_LABELS[char];
    if (override === undefined) {
      current += char;
      continue;
    }
    if (current !== '') segments.push({ kind: 'text', text: current });
    current = '';
    segments.push({ kind: 'override', ...override });
  }
  if (current !== '') segments.push({ kind: 'text', text: current });
  return segments;
}
