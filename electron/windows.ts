/**
 * The app window: sandboxed, context-isolated, no Node in the page, and no
 * way for page content (or anything framed in it) to navigate the window
 * elsewhere, open new windows or reach `shell.openExternal`.
 *
 * tests/e2e/shell-security.e2e.test.ts reads these settings back from the
 * running app and tries to break out; update it with this file.
 *
 * @public
 */
import { join } from 'node:path';

import { BrowserWindow, session, type Session, type WebPreferences } from 'electron';

import { APP_INDEX_URL, isAppUrl } from './app-protocol';

const WINDOW_SIZE = { width: 1100, height: 760, minWidth: 420, minHeight: 520 } as const;

/**
 * Spellchecking stays on only where the operating system's checker does it
 * (macOS). Elsewhere Chromium fetches Hunspell dictionaries from Google's
 * CDN when the spellchecker starts: a LAN chat app sends nothing to the
 * internet, so there is no spellcheck on Linux and Windows.
 */
const SPELLCHECK = process.platform === 'darwin';

/** The window's web preferences; every security-relevant one is spelled out, defaults included. */
function webPreferences(): WebPreferences {
  return {
    preload: join(__dirname, 'preload.js'),
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    // Dropping a file on the window must not navigate to file://.
    navigateOnDragDrop: false,
    spellcheck: SPELLCHECK,
  };
}

/** Opens the main window. @public */
export function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow({
    ...WINDOW_SIZE,
    title: 'LanChat',
    show: false,
    backgroundColor: '#f6f7f9',
    webPreferences: webPreferences(),
  });
  window.once('ready-to-show', () => window.show());

  const contents = window.webContents;
  // The page is our own bundle: any navigation away from it (a clicked
  // link, `location = …` from a script, a redirect) is refused. In-page
  // changes (#hash, history.pushState) do not fire these events.
  contents.on('will-navigate', (event) => {
    if (event.url !== APP_INDEX_URL) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  // No <webview> (webviewTag is off; this also covers a future mistake).
  contents.on('will-attach-webview', (event) => event.preventDefault());
  // No new windows, and no shell.openExternal from window.open: a script,
  // or a host's page framed in ours, must not launch anything on the
  // desktop. Links the user clicks go through the typed IPC call
  // `openExternalLink` instead (electron/external-links.ts).
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  void window.loadURL(APP_INDEX_URL);
  return window;
}

/** Permissions the page may use: writing to the clipboard (the "Copy" buttons). */
const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

/**
 * Denies every permission request and check but the few the app's own page
 * needs (no camera, geolocation, notifications, HID/serial/USB…); content of
 * any other origin gets nothing.
 */
function setupPermissions(target: Session): void {
  target.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(ALLOWED_PERMISSIONS.has(permission) && isAppUrl(details.requestingUrl)),
  );
  target.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    ALLOWED_PERMISSIONS.has(permission) && isAppUrl(requestingOrigin),
  );
  // Device pickers would otherwise ask the page which device to grant.
  target.setDevicePermissionHandler(() => false);
}

/**
 * Sets up the session (permissions, spellchecker) and opens the window.
 *
 * @public
 */
export function setupWindows(): void {
  const target = session.defaultSession;
  setupPermissions(target);
  if (!SPELLCHECK) target.setSpellCheckerEnabled(false);
  createMainWindow();
}
