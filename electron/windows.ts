/**
 * The app window: sandboxed, context-isolated, no Node in the page, and no
 * way for page content to navigate the window elsewhere or open new ones.
 *
 * @public
 */
import { join } from 'node:path';

import { BrowserWindow, session, shell } from 'electron';

import { APP_INDEX_URL } from './app-protocol';

const WINDOW_SIZE = { width: 1100, height: 760, minWidth: 420, minHeight: 520 } as const;

/** Opens the main window. @public */
export function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow({
    ...WINDOW_SIZE,
    title: 'LanChat',
    show: false,
    backgroundColor: '#f6f7f9',
    webPreferences: {
      preload: join(__dirname, 'preload.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: true,
    },
  });
  window.once('ready-to-show', () => window.show());

  const indexUrl = APP_INDEX_URL;
  // The page is our own bundle; any navigation elsewhere (a clicked link, a
  // script) is refused, and http(s) links open in the user's browser.
  window.webContents.on('will-navigate', (event, url) => {
    if (url !== indexUrl) event.preventDefault();
  });
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('http://') || url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  void window.loadURL(indexUrl);
  return window;
}

/** Permissions the page may use: writing to the clipboard (the "Copy" buttons). */
const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

/**
 * Denies every permission request but the few the page needs (no camera,
 * geolocation or notifications).
 *
 * @public
 */
export function setupWindows(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) =>
    callback(ALLOWED_PERMISSIONS.has(permission)),
  );
  createMainWindow();
}
