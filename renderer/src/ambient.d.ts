/**
 * Globals the renderer relies on. `window.lanChat` is the preload bridge: it
 * exists inside the Electron app and is absent when a browser loads the page
 * from a host. The type comes from electron/preload.ts, so the two never drift.
 */
import type { LanChatBridge } from '../../electron/preload';

declare global {
  interface Window {
    /** The Electron preload bridge; `undefined` in a plain browser. */
    lanChat?: LanChatBridge;
  }
}

export {};
