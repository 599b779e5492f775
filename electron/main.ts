/**
 * The main process only orchestrates (fiddle's `onReady`): each concern is
 * set up by its own module.
 *
 * @public
 */
import { join } from 'node:path';

import { app, BrowserWindow } from 'electron';

import { registerAppScheme, setupAppProtocol } from './app-protocol';
import { setupCertificateTrust } from './certificate-trust';
import { setupClipboard } from './clipboard';
import { setupDiscovery } from './discovery';
import { setupExternalLinks } from './external-links';
import { handle, setupIpc } from './ipc';
import { IpcChannel } from './ipc-contract';
import { openJoinLinkFromArgv, registerJoinLinks, setupJoinLinks } from './join-links';
import { setupMenu } from './menu';
import { setupPowerEvents } from './power';
import { setupServerHost } from './server-host';
import { createMainWindow, setupWindows } from './windows';

// Tests (and users who want two profiles) choose the profile directory; it
// must be set before 'ready', when Chromium opens it.
const userDataOverride = process.env.LANCHAT_USER_DATA_DIR;
if (userDataOverride) app.setPath('userData', userDataOverride);

app.setName('LanChat');
registerAppScheme();

// One app per profile: the host's SQLite history is held exclusively by one
// process, so two copies sharing a user-data directory could not both host.
// A second launch focuses the first one's window instead.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', (_event, argv) => {
    const [window] = BrowserWindow.getAllWindows();
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
    // A lanchat:// link the second launch was opened with (electron/join-links.ts).
    openJoinLinkFromArgv(argv);
  });
  registerJoinLinks();
}

function onReady(): void {
  setupAppProtocol(join(__dirname, '..', 'renderer'));
  setupIpc();
  const trust = setupCertificateTrust();
  setupJoinLinks();
  setupDiscovery(setupServerHost(trust));
  handle(IpcChannel.GetAppInfo, () => ({
    version: app.getVersion(),
    electron: process.versions.electron ?? '',
    platform: process.platform,
  }));
  setupExternalLinks();
  setupClipboard();
  setupPowerEvents();
  setupMenu();
  setupWindows();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow();
  });
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.whenReady().then(onReady, (error: unknown) => {
  console.error('LanChat failed to start', error);
  app.exit(1);
});
