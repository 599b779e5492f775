/**
 * Wake-from-sleep and unlock events. After sleep, sockets are usually dead
 * without having errored; telling the renderer lets it reconnect at once
 * instead of waiting for its keep-alive to notice.
 *
 * @public
 */
import { powerMonitor } from 'electron';

import { pushToAll } from './ipc';
import { IpcPush } from './ipc-contract';

/** Forwards power events to every window. @public */
export function setupPowerEvents(): void {
  powerMonitor.on('resume', () => pushToAll(IpcPush.SystemResumed, 'resume'));
  powerMonitor.on('unlock-screen', () => pushToAll(IpcPush.SystemResumed, 'unlock-screen'));
}
