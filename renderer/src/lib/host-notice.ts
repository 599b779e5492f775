/**
 * What the chat screen tells the user about this app's own chat server when
 * something is wrong with it: it crashed and is restarting, it gave up, it
 * came back, or its history refuses messages. Pure (covered by
 * tests/renderer/host-notice.test.ts); HostNotice.svelte renders it.
 */
import type { HostStatus } from '../../../electron/ipc-contract';

import { hostErrorText } from './error-text';
import { formatTime } from './format';

/** Which notice, also the banner's `data-state`. */
export type HostNoticeKind =
  /** The server process died; the host starts it again by itself. */
  | 'restarting'
  /** The server is back after a crash (the user may dismiss this). */
  | 'restarted'
  /** The server runs but refuses new messages until it is restarted (a failed history flush). */
  | 'degraded'
  /** The server is down and stays down: it crashed too often, or a restart cannot work. */
  | 'stopped';

/** A notice about the host, in words. */
export interface HostNotice {
  kind: HostNoticeKind;
  /** A few words, in bold. */
  title: string;
  /** What happened and what happens next. */
  text: string;
  /** The code behind a `stopped` or `degraded` notice, for `data-code`. */
  code?: string;
  /** The server's own words about the problem, shown smaller. */
  detail?: string;
  /** Offer to restart the server by hand (stopped or degraded). */
  canRestart: boolean;
}

function minutes(ms: number): string {
  const count = Math.max(1, Math.round(ms / 60_000));
  return count === 1 ? '1 minute' : `${count} minutes`;
}

/**
 * The notice for a host status, or `null` when all is well (or the host is
 * simply not running).
 * @param status - this app's host status
 */
export function hostNoticeOf(status: HostStatus): HostNotice | null {
  const { crash } = status;
  switch (status.state) {
    case 'restarting': {
      const at = crash === undefined ? '' : ` at ${formatTime(crash.at)}`;
      let text = `Stopped unexpectedly${at}; starting again on port ${status.port ?? '?'} with the same history. Everyone reconnects by themselves.`;
      if (crash?.restartError !== undefined) {
        text += ` The last attempt failed: ${hostErrorText(crash.restartError, status.port ?? 0)}`;
      }
      if (crash !== undefined && crash.count > 1) {
        text += ` Crash ${crash.count} in ${minutes(crash.restartWindowMs)}; LanChat gives up at ${crash.maxCrashes}.`;
      }
      return { kind: 'restarting', title: 'Chat server restarting…', text, canRestart: false };
    }
    case 'error': {
      if (status.error === undefined) return null;
      const why =
        status.error.code === 'HOST_ERR_RESTART_LIMIT' && crash !== undefined
          ? `It stopped unexpectedly ${crash.count} times in ${minutes(crash.restartWindowMs)}, so LanChat stopped restarting it.`
          : hostErrorText(status.error, status.port ?? 0);
      return {
        kind: 'stopped',
        title: 'Chat server stopped',
        text: `${why} Nobody can reach this room until it runs again.`,
        code: status.error.code,
        canRestart: status.port !== undefined,
      };
    }
    case 'running': {
      if (status.degraded !== undefined) {
        const { code, reason } = status.degraded;
        // Words chosen by code; the server's English sentence is only the detail.
        const text =
          code === 'HEALTH_STORAGE_FLUSH_FAILED'
            ? 'Your chat server could not write its history to disk and refuses new messages until it is restarted.'
            : 'Your chat server reports a problem and may refuse messages until it is restarted.';
        return { kind: 'degraded', title: 'Chat server cannot save messages', text, detail: reason, code, canRestart: true };
      }
      if (crash !== undefined) {
        return {
          kind: 'restarted',
          title: 'Chat server restarted',
          text: `It stopped unexpectedly at ${formatTime(crash.at)} and is back on port ${status.port ?? '?'} with the same history.`,
          canRestart: false,
        };
      }
      return null;
    }
    case 'stopped':
    case 'starting':
      return null;
  }
}
