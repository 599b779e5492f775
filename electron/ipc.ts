/**
 * The one owner of `ipcMain`: typed handlers over the channels in
 * ipc-contract.ts, a sender check, and a push queue that holds messages
 * until the renderer says it listens (fiddle's IpcMainManager, typed).
 *
 * @public
 */
import { BrowserWindow, ipcMain, type IpcMainEvent, type IpcMainInvokeEvent, type WebContents } from 'electron';

import { isAppUrl } from './app-protocol';
import { IpcSignal, type IpcInvokeChannel, type IpcInvokeMap, type IpcPushChannel, type IpcPushMap } from './ipc-contract';

/** A handler for one invoke channel. */
type Handler<C extends IpcInvokeChannel> = (
  request: unknown,
  event: IpcMainInvokeEvent,
) => Promise<IpcInvokeMap[C]['response']> | IpcInvokeMap[C]['response'];

/** Pushes waiting for a renderer that has not signalled readiness yet. */
const pending = new Map<WebContents, Array<() => void>>();
const ready = new WeakSet<WebContents>();

/**
 * Whether a message comes from the main frame of one of this app's own
 * windows while it shows the app's own page (`app://lanchat/`), checked on
 * `event.senderFrame` (Electron security checklist, item 17): not from a
 * stray webContents, not from a subframe, and not from a window that was
 * somehow made to show another origin. `senderFrame` is null when the frame
 * navigated or was destroyed since it sent the message; that is refused too.
 */
function isTrustedSender(event: IpcMainEvent | IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  if (frame === null || frame === undefined) return false;
  if (BrowserWindow.fromWebContents(event.sender) === null) return false;
  const main = event.sender.mainFrame;
  const isMainFrame = frame.parent === null && frame.processId === main.processId && frame.routingId === main.routingId;
  return isMainFrame && isAppUrl(frame.url);
}

/**
 * Registers the handler of an invoke channel. The request arrives as
 * `unknown`: each handler validates it.
 *
 * @public
 */
export function handle<C extends IpcInvokeChannel>(channel: C, handler: Handler<C>): void {
  ipcMain.handle(channel, (event, request: unknown) => {
    if (!isTrustedSender(event)) throw new Error(`IPC ${channel} refused: not the app's own page`);
    return handler(request, event);
  });
}

/**
 * Sends a push to every window, or queues it for windows whose renderer has
 * not subscribed yet.
 *
 * @public
 */
export function pushToAll<C extends IpcPushChannel>(channel: C, payload: IpcPushMap[C]): void {
  for (const window of BrowserWindow.getAllWindows()) {
    const contents = window.webContents;
    const send = (): void => {
      if (!contents.isDestroyed()) contents.send(channel, payload);
    };
    if (ready.has(contents)) send();
    else pending.set(contents, [...(pending.get(contents) ?? []), send]);
  }
}

/**
 * Listens for renderer readiness signals, flushing queued pushes.
 *
 * @public
 */
export function setupIpc(): void {
  ipcMain.on(IpcSignal.RendererReady, (event) => {
    if (!isTrustedSender(event)) return;
    ready.add(event.sender);
    const queued = pending.get(event.sender) ?? [];
    pending.delete(event.sender);
    for (const send of queued) send();
  });
}
