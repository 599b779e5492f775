/**
 * Moments when the socket is probably dead and waiting for the backoff or the
 * dead-host watchdog would only delay the user: the network came back, the
 * page was hidden for a while (a phone's browser freezes background tabs), or
 * the computer woke from sleep or was unlocked (pushed by the desktop bridge).
 * chat-room.svelte.ts reconnects at once on each.
 *
 * The event sources are injected (covered by tests/renderer/wake-signals.test.ts).
 */
import type { SystemResumeReason } from '../../../electron/ipc-contract';
import type { LanChatBridge } from '../../../electron/preload';

/** A page hidden at least this long reconnects when shown again. */
export const HIDDEN_RECONNECT_AFTER_MS = 30_000;

/** Why the connection should be renewed now. */
export type WakeReason =
  /** The window's `online` event: the network is back (possibly a different one). */
  | 'online'
  /** The page became visible after being hidden for {@link HIDDEN_RECONNECT_AFTER_MS} or more. */
  | 'visible'
  /** The desktop bridge's `onSystemResume`. */
  | SystemResumeReason;

/** Where wake-ups come from; absent sources are skipped. */
export interface WakeSources {
  /** Fires `online` (the page's `window`). */
  window?: EventTarget;
  /** Fires `visibilitychange` and has `visibilityState` (the page's `document`). */
  document?: EventTarget & { readonly visibilityState: string };
  /** The desktop bridge's subscription; returns its unsubscribe function. */
  onSystemResume?: (callback: (reason: SystemResumeReason) => void) => () => void;
  /** Clock for the hidden time. @default Date.now */
  now?: () => number;
}

/** The page's own sources: its window, its document, and the bridge when inside the app. */
export function pageWakeSources(): WakeSources {
  // Typed here rather than through ambient.d.ts, which the Node-side
  // typecheck of tests/renderer does not see.
  const page = globalThis.window as (Window & { lanChat?: LanChatBridge }) | undefined;
  if (page === undefined) return {};
  const bridge = page.lanChat;
  return {
    window: page,
    document: page.document,
    onSystemResume:
      bridge !== undefined && typeof bridge.onSystemResume === 'function'
        ? (callback) => bridge.onSystemResume(callback)
        : undefined,
  };
}

/**
 * Calls `onWake` on each wake-up.
 * @param onWake - what to do (reconnect now)
 * @param sources - where wake-ups come from
 * @returns a function that stops watching
 */
export function watchWakeUps(onWake: (reason: WakeReason) => void, sources: WakeSources): () => void {
  const now = sources.now ?? Date.now;
  const unsubscribers: Array<() => void> = [];

  const target = sources.window;
  if (target !== undefined) {
    const onOnline = (): void => onWake('online');
    target.addEventListener('online', onOnline);
    unsubscribers.push(() => target.removeEventListener('online', onOnline));
  }

  const page = sources.document;
  if (page !== undefined) {
    let hiddenAt: number | null = page.visibilityState === 'hidden' ? now() : null;
    const onVisibility = (): void => {
      if (page.visibilityState === 'hidden') {
        hiddenAt ??= now();
        return;
      }
      if (page.visibilityState !== 'visible' || hiddenAt === null) return;
      const hiddenFor = now() - hiddenAt;
      hiddenAt = null;
      if (hiddenFor >= HIDDEN_RECONNECT_AFTER_MS) onWake('visible');
    };
    page.addEventListener('visibilitychange', onVisibility);
    unsubscribers.push(() => page.removeEventListener('visibilitychange', onVisibility));
  }

  if (sources.onSystemResume !== undefined) {
    unsubscribers.push(sources.onSystemResume((reason) => onWake(reason)));
  }

  return () => {
    for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
  };
}
