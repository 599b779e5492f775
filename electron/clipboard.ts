/**
 * Copying text for the renderer: the app's `app://` page is not a secure
 * context, so it has no `navigator.clipboard`; the Copy buttons (invites)
 * ask the main process instead, over the typed `clipboard:write-text`
 * channel. The preload only forwards calls made during a user click
 * (electron/preload.ts `copyText`), so a page script cannot fill the
 * clipboard behind the user's back. Update electron/preload.ts and
 * electron/ipc-contract.ts too when this changes.
 *
 * @public
 */
import { clipboard } from 'electron';

import { handle } from './ipc';
import { IpcChannel, type CopyTextResult } from './ipc-contract';

/**
 * Longest text copied, in UTF-16 code units. Invites are well under 200
 * characters; the cap keeps a misbehaving page from pushing megabytes
 * through IPC onto the system clipboard.
 */
export const MAX_COPY_TEXT_LENGTH = 8 * 1024;

/**
 * Checks what the renderer asked to copy.
 *
 * @returns null when it may be copied, else why not (for {@link CopyTextResult})
 * @public
 */
export function copyTextProblem(text: unknown): string | null {
  if (typeof text !== 'string') return 'only text can be copied';
  if (text.length === 0) return 'there is nothing to copy';
  if (text.length > MAX_COPY_TEXT_LENGTH) return `text longer than ${MAX_COPY_TEXT_LENGTH} characters is not copied`;
  return null;
}

/**
 * Answers the renderer's `copyText` calls (sender checked by electron/ipc.ts)
 * with Electron's `clipboard.writeText`: plain text only, never HTML or
 * images.
 *
 * @public
 */
export function setupClipboard(): void {
  handle(IpcChannel.CopyText, (text): CopyTextResult => {
    const problem = copyTextProblem(text);
    if (problem !== null) return { ok: false, message: problem };
    clipboard.writeText(text as string);
    return { ok: true };
  });
}
