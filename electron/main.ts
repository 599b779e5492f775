/**
 * The main process only orchestrates (fiddle's `onReady`): each concern is
 * set up by its own module.
 *
 * @public
 */
import { app, BrowserWindow } from 'electron';

import { handle, setupIpc } from './ipc';
import { IpcChannel } from './ipc-contract';
import { setupMenu } from './menu';
import { setupServerHost } from './server-host';
import { createMainWindow, setupWindows } from './windows';

// Tests (and users who want two profiles) choose the profile directory; it
// must be set before 'ready', when Chromium opens it.
const userDataOverride = process.env.LANCHAT_USER_DATA_DIR;
if (userDataOverride) app.setPath('userData', userDataOverride);

app.setName('LanChat');

function onReady(): void {
  setupIpc();
  setupServerHost();
  handle(IpcChannel.GetAppInfo, () => ({
    version: app.getVersion(),
    electron: process.versions.electron ?? '',
    platform: process.platform,
  }));
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
