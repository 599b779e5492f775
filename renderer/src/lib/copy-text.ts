/**
 * One Copy that works wherever LanChat runs:
 *
 * 1. the desktop app's `app://` page is not a secure context and has no
 *    `navigator.clipboard`: the main process copies (electron/clipboard.ts);
 * 2. a browser on an https or localhost page: `navigator.clipboard`;
 * 3. a browser on a plain-http LAN address (the usual web client) has no
 *    `navigator.clipboard` either (it is limited to secure contexts):
 *    the old `document.execCommand('copy')` on a hidden textarea, which
 *    browsers still honour during a click.
 *
 * When all of them fail the caller selects the text and asks for Ctrl+C.
 *
 * @public
 */
import type { LanChatBridge } from '../../../electron/preload';

/**
 * Copies `text` to the clipboard. Call it straight from a click handler:
 * every path needs the click's user activation.
 *
 * @param bridge - the preload bridge; defaults to `window.lanChat`
 * @returns whether the text is on the clipboard now
 */
export async function copyText(text: string, bridge: LanChatBridge | undefined = globalThis.window?.lanChat): Promise<boolean> {
  if (bridge !== undefined) {
    try {
      const result = await bridge.copyText(text);
      if (!result.ok) console.warn('LanChat: could not copy', result.message);
      return result.ok;
    } catch (error) {
      console.warn('LanChat: could not copy', error);
      return false;
    }
  }
  if (globalThis.navigator?.clipboard?.writeText !== undefined) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (error) {
      // Refused (permissions, a page out of focus): the textarea may still work.
      console.warn('LanChat: the clipboard API refused, trying the fallback', error);
    }
  }
  return copyWithTextarea(text);
}

/**
 * The pre-Clipboard-API way: select the text in an off-screen textarea and
 * run the copy command. Focus and selection are put back afterwards.
 *
 * @returns whether the browser reports the copy as done
 */
export function copyWithTextarea(text: string): boolean {
  if (typeof document === 'undefined') return false;
  const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const area = document.createElement('textarea');
  area.value = text;
  // Read-only keeps phones from opening the keyboard; off-screen but not display:none, which cannot be selected.
  area.setAttribute('readonly', '');
  area.setAttribute('aria-hidden', 'true');
  area.style.position = 'fixed';
  area.style.top = '0';
  area.style.left = '-9999px';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  area.setSelectionRange(0, text.length);
  let copied = false;
  try {
    copied = document.execCommand('copy');
  } catch (error) {
    // Some browsers throw instead of returning false; both mean "select it by hand".
    console.warn('LanChat: execCommand copy failed', error);
  } finally {
    area.remove();
    previous?.focus();
  }
  return copied;
}

/**
 * Selects the text of `element`, so the user can copy it with the keyboard
 * when no way of copying worked.
 */
export function selectContents(element: HTMLElement): void {
  const selection = globalThis.getSelection?.();
  if (selection === null || selection === undefined) return;
  const range = document.createRange();
  range.selectNodeContents(element);
  selection.removeAllRanges();
  selection.addRange(range);
}

/** The copy shortcut's name on this platform, for "Press Ctrl+C". */
export function copyShortcut(): string {
  const platform = globalThis.navigator?.platform ?? '';
  return /^Mac|^iP/.test(platform) ? '⌘C' : 'Ctrl+C';
}
