/**
 * The one way out of the app to the user's browser: `shell.openExternal`
 * is called here and nowhere else, for an http(s) URL the user clicked.
 *
 * Why one door: `shell.openExternal` hands a URL to the desktop, which runs
 * whatever handles its scheme (`file:`, `smb:`, `ms-msdt:`, custom app
 * schemes…). So window.open from page or framed content never reaches it
 * (electron/windows.ts denies every new window), and the only caller is the
 * typed IPC channel `link:open-external` (electron/ipc-contract.ts), whose
 * preload function refuses calls made without a user click. Update
 * electron/preload.ts and electron/ipc-contract.ts too when this changes.
 *
 * Test seam: when `LANCHAT_TEST_OPEN_EXTERNAL_LOG` names a file, URLs that
 * pass validation are appended to it (one JSON line each) instead of being
 * opened, so the end-to-end tests observe the real call path without
 * starting a browser. It only ever records; it cannot open anything.
 *
 * @public
 */
import { appendFileSync } from 'node:fs';

import { shell } from 'electron';

import { handle } from './ipc';
import { IpcChannel, type ExternalLinkErrorCode } from './ipc-contract';

/** URL schemes a link may open in the user's browser. */
const EXTERNAL_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:']);

/** Longest URL accepted (browsers handle far longer ones; chat links are not). */
export const MAX_EXTERNAL_URL_LENGTH = 2048;

/** Environment variable of the test seam described at the top of this file. */
export const OPEN_EXTERNAL_LOG_ENV = 'LANCHAT_TEST_OPEN_EXTERNAL_LOG';

/** A URL that may not be opened, with a stable `code`. @public */
export class ExternalLinkError extends Error {
  /** Why the URL was refused. */
  readonly code: ExternalLinkErrorCode;

  /**
   * @param code - stable error code
   * @param message - English explanation
   */
  constructor(code: ExternalLinkErrorCode, message: string) {
    super(message);
    this.name = 'ExternalLinkError';
    this.code = code;
  }
}

/**
 * Checks that `value` is an absolute http(s) URL without credentials.
 *
 * @returns the URL, normalized by the WHATWG parser
 * @throws {@link ExternalLinkError} `LINK_ERR_INVALID_URL` for anything that
 *   is not a string URL of sane length, `LINK_ERR_SCHEME` for other schemes,
 *   `LINK_ERR_CREDENTIALS` for `user:password@` URLs (a classic way to
 *   disguise the real host)
 * @public
 */
export function validateExternalUrl(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_EXTERNAL_URL_LENGTH) {
    throw new ExternalLinkError('LINK_ERR_INVALID_URL', `a link must be a URL of 1 to ${MAX_EXTERNAL_URL_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // The parser's own error says nothing more useful than "invalid URL".
    throw new ExternalLinkError('LINK_ERR_INVALID_URL', 'the link is not a valid absolute URL');
  }
  if (!EXTERNAL_PROTOCOLS.has(url.protocol)) {
    throw new ExternalLinkError('LINK_ERR_SCHEME', `only http and https links open in the browser, not ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ExternalLinkError('LINK_ERR_CREDENTIALS', 'links with a user name or password are not opened');
  }
  return url.href;
}

/**
 * Validates `value` and opens it in the user's browser (or records it,
 * under the test seam).
 *
 * @throws {@link ExternalLinkError} as {@link validateExternalUrl}
 * @public
 */
export async function openExternalLink(value: unknown): Promise<void> {
  const url = validateExternalUrl(value);
  const log = process.env[OPEN_EXTERNAL_LOG_ENV];
  if (log) {
    appendFileSync(log, `${JSON.stringify({ url })}\n`);
    return;
  }
  await shell.openExternal(url);
}

/**
 * Answers the renderer's `openExternalLink` calls (sender checked by
 * electron/ipc.ts): a refused URL comes back as `{ ok: false, code }`.
 *
 * @public
 */
export function setupExternalLinks(): void {
  handle(IpcChannel.OpenExternalLink, async (url) => {
    try {
      await openExternalLink(url);
      return { ok: true };
    } catch (error) {
      if (error instanceof ExternalLinkError) return { ok: false, code: error.code, message: error.message };
      throw error;
    }
  });
}
