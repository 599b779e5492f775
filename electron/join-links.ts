/**
 * `lanchat://join?host=…&port=…&room=…` links (server/protocol/invite.ts):
 * the app registers itself as the scheme's handler and hands each link it
 * is opened with to the renderer, which fills the Join form with it (it
 * never joins by itself: the user presses Join).
 *
 * A link arrives three ways (Electron's deep-linking tutorial,
 * https://www.electronjs.org/docs/latest/tutorial/launch-app-from-url-in-another-app):
 * - in `process.argv` when the link starts the app (Windows, Linux): kept
 *   until the renderer takes it (IpcChannel.TakeJoinLink);
 * - in the argv of a second launch, which the single-instance lock turns
 *   into the first instance's `second-instance` event (electron/main.ts
 *   passes it to {@link openJoinLinkFromArgv});
 * - as macOS's `open-url` event, at start or later.
 *
 * Only `lanchat:` arguments are read: every other argument (Chromium
 * switches, a stray http URL, a file) is ignored, and a link that
 * `parseInvite` refuses is dropped.
 *
 * @public
 */
import { resolve } from 'node:path';

import { app, BrowserWindow } from 'electron';

import { APP_LINK_SCHEME, parseInvite } from '../server/protocol';

import { handle, pushToAll } from './ipc';
import { IpcChannel, IpcPush, type JoinLink } from './ipc-contract';

/** Longest link read: an invite is a host, a port and a room name (48 characters), far below this. */
const MAX_LINK_LENGTH = 2_048;

/** A link that came before any window could show it, until the renderer takes it. */
let pendingLink: JoinLink | null = null;

/**
 * The first valid `lanchat:` link among command-line arguments.
 * @returns the link's target, or null when there is none
 *
 * @public
 */
export function joinLinkFromArgv(argv: readonly string[]): JoinLink | null {
  for (const arg of argv) {
    if (arg.length > MAX_LINK_LENGTH || !arg.toLowerCase().startsWith(`${APP_LINK_SCHEME}:`)) continue;
    const link = parseInvite(arg);
    if (link !== null) return link;
  }
  return null;
}

/** Brings the app's window to the front, as a second launch does. */
function focusWindow(): void {
  const [window] = BrowserWindow.getAllWindows();
  if (window === undefined) return;
  if (window.isMinimized()) window.restore();
  window.focus();
}

/**
 * Hands a link to the renderer: pushed to the open window (ipc.ts queues it
 * until the page listens), or kept for the window that is still to come.
 */
function deliver(link: JoinLink): void {
  if (BrowserWindow.getAllWindows().length === 0) {
    pendingLink = link;
    return;
  }
  pushToAll(IpcPush.JoinLinkOpened, link);
  focusWindow();
}

/**
 * Opens the `lanchat:` link of a second launch's command line, if it has one
 * (the `second-instance` handler in electron/main.ts calls this).
 *
 * @public
 */
export function openJoinLinkFromArgv(argv: readonly string[]): void {
  const link = joinLinkFromArgv(argv);
  if (link !== null) deliver(link);
}

/**
 * Registers the app as the `lanchat:` handler and reads the link it was
 * started with; call before 'ready' (macOS sends `open-url` for the link
 * that starts the app before it is ready).
 *
 * @public
 */
export function registerJoinLinks(): void {
  // Run from a checkout (`electron .`), the handler must name the app
  // folder too, or the OS would start a bare Electron (the tutorial's form).
  if (process.defaultApp) {
    if (process.argv.length >= 2) app.setAsDefaultProtocolClient(APP_LINK_SCHEME, process.execPath, [resolve(process.argv[1] ?? '.')]);
  } else {
    app.setAsDefaultProtocolClient(APP_LINK_SCHEME);
  }
  pendingLink = joinLinkFromArgv(process.argv);
  app.on('open-url', (event, url) => {
    event.preventDefault();
    const link = url.length > MAX_LINK_LENGTH ? null : parseInvite(url);
    if (link !== null && url.toLowerCase().startsWith(`${APP_LINK_SCHEME}:`)) deliver(link);
  });
}

/**
 * Answers the renderer's IpcChannel.TakeJoinLink: the link the app was
 * started with, once (a reload does not fill the form again).
 *
 * @public
 */
export function setupJoinLinks(): void {
  handle(IpcChannel.TakeJoinLink, () => {
    const link = pendingLink;
    pendingLink = null;
    return link;
  });
}
