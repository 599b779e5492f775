/**
 * What the client does when its connection to the host ends, decided from
 * the close code alone. Pure and side-effect free (covered by
 * tests/renderer/reconnect-policy.test.ts); connection.ts carries it out and
 * error-text.ts puts each reason into words.
 *
 * Update when server/protocol/close-codes.ts gains a code.
 */
import { CloseCode } from '../../../server/protocol';

/**
 * How to reconnect:
 * - `now`: at once, asking for what was missed (the host dropped us for a
 *   reason that a fresh connection fixes);
 * - `backoff`: after the growing, jittered delay of `reconnectDelay`
 *   (the host is gone, restarting or busy, so knocking at once would not help);
 * - `stop`: not at all until the user asks.
 */
export type ReconnectAction = 'now' | 'backoff' | 'stop';

/** Why the connection ended, as the UI explains it. */
export type ReconnectReason =
  /** 4000: the host heard nothing from us for its idle timeout (e.g. after the laptop slept). */
  | 'idleTimeout'
  /** 4002: we did not read fast enough; the host dropped us so we can catch up from history. */
  | 'slowConsumer'
  /** 4001: the host has as many connections as it allows. */
  | 'hostFull'
  /** 4003: the same member (name and resume key) joined on another connection. */
  | 'replaced'
  /** 1001: the host is shutting down, possibly to restart. */
  | 'hostGoingAway'
  /** 1011: the host failed while handling our connection. */
  | 'hostError'
  /** The client heard nothing from the host, not even a `pong`, and gave up on the socket. */
  | 'hostSilent'
  /** Any other end: network loss, a closed host, a transport failure. */
  | 'connectionLost';

/** The decision for one closed connection. */
export interface ReconnectPolicy {
  readonly action: ReconnectAction;
  readonly reason: ReconnectReason;
}

/**
 * The policy for a socket the client closed itself because the host went
 * silent (a sleeping laptop or a pulled cable leaves a socket that never
 * errors). Reconnect at once: after a wake-up the host is usually right
 * there, and if it is not, that attempt fails with a close code that backs off.
 */
export const HOST_SILENT_POLICY: ReconnectPolicy = { action: 'now', reason: 'hostSilent' };

/**
 * Decides how to reconnect after the host (or the transport) closed the connection.
 *
 * sockjs-client reports the host's code unchanged (it arrives in the SockJS
 * close frame) and uses its own codes for transport trouble: 1006 "Server
 * lost session" or "Connection dropped by remote peer", 1002 "Cannot connect
 * to server", 2000 "All transports failed". Those, and any code not listed
 * here, back off.
 *
 * @param closeCode - the close event's `code`
 */
export function reconnectPolicy(closeCode: number): ReconnectPolicy {
  switch (closeCode) {
    case CloseCode.IdleTimeout:
      return { action: 'now', reason: 'idleTimeout' };
    case CloseCode.SlowConsumer:
      return { action: 'now', reason: 'slowConsumer' };
    case CloseCode.HostFull:
      return { action: 'backoff', reason: 'hostFull' };
    case CloseCode.Replaced:
      // Reconnecting would replace the other window in turn, and the two
      // would take the room from each other forever; the user picks one.
      return { action: 'stop', reason: 'replaced' };
    case CloseCode.GoingAway:
      return { action: 'backoff', reason: 'hostGoingAway' };
    case CloseCode.InternalError:
      return { action: 'backoff', reason: 'hostError' };
    default:
      return { action: 'backoff', reason: 'connectionLost' };
  }
}

/** Reasons that say the host itself is away, so failing to reach it afterwards tells nothing new. */
const HOST_AWAY_REASONS: ReadonlySet<ReconnectReason> = new Set(['hostGoingAway', 'hostError', 'hostSilent']);

/**
 * The reason to show after another drop, while the client has not been
 * welcomed back: a restarting host refuses the reconnect attempts that follow
 * its 1001 (sockjs-client reports those as plain transport failures), and the
 * user should keep reading "restarting", not a vaguer "connection lost".
 *
 * @param shown - the reason shown now, or `null`
 * @param next - the reason of the latest drop
 */
export function nextDropReason(shown: ReconnectReason | null, next: ReconnectReason): ReconnectReason {
  if (next === 'connectionLost' && shown !== null && HOST_AWAY_REASONS.has(shown)) return shown;
  return next;
}
