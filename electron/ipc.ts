/**
 * The one owner of `ipcMain`: typed handlers over the channels in
 * ipc-contract.ts, a sender check, and a push queue that holds messages
 * until the renderer says it listens (fiddle's IpcMainManager, typed).
 *
 * @public
 */
import { BrowserWindow, ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';

import { IpcSignal, type IpcInvokeChannel, type IpcInvokeMap, type IpcPushChannel, type IpcPushMap } from './ipc-contract';

/** A handler for one invoke channel. */
type Handler<C extends IpcInvokeChannel> = (
  request: unknown,
  event: IpcMainInvokeEvent,
) => Promise<IpcInvokeMap[C]['response']> | IpcInvokeMap[C]['response'];

/** Pushes waiting for a renderer that has not signalled readiness yet. */
const pending = new Map<WebContents, Array<() => void>>();
const ready = new WeakSet<WebContents>();

/** Whether `sender` is one of this app's own windows (not a stray webContents). */
function isOwnWindow(sender: WebContents): boolean {
  return BrowserWindow.fromWebContents(sender) !== null;
}

/**
 * Registers the handler of an invoke channel. The request arrives as
 * `unknown`: each handler validates it.
 *
 * @public
 */
export function handle<C extends IpcInvokeChannel>(channel: C, handler: Handler<C>): void {
  ipcMain.handle(channel, (event, request: unknown) => {
    if (!isOwnWindow(event.sender)) throw new Error(`IPC ${channel} refused: unknown sender`);
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
    if (!isOwnWindow(event.sender)) return;
    ready.add(event.sender);
    const queued = pending.get(event.sender) ?? [];
    pending.delete(event.sender);
    for (const send of queued) send();
  });
}
