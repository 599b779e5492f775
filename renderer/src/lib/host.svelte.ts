/**
 * This app's own chat server, as the renderer sees it through the preload
 * bridge (`window.lanChat`). In a plain browser there is no bridge and
 * {@link HostController.available} is false.
 */
import type { HostRequest, HostResult, HostStatus } from '../../../electron/ipc-contract';
import type { LanChatBridge } from '../../../electron/preload';

const STOPPED: HostStatus = { state: 'stopped', shareUrls: [] };

/** Owns the subscription to host status pushes; call {@link dispose} when done. */
export class HostController {
  /** Whether this window can host (it runs inside the Electron app). */
  readonly available: boolean;
  /** The latest known state of the host. */
  status = $state.raw<HostStatus>(STOPPED);

  readonly #bridge: LanChatBridge | undefined;
  #unsubscribe: (() => void) | undefined;
  #disposed = false;
  /** Set once a push arrives, so a slower initial `getHostStatus` reply cannot overwrite it. */
  #pushed = false;

  /** @param bridge - the preload bridge; defaults to `window.lanChat` */
  constructor(bridge: LanChatBridge | undefined = globalThis.window?.lanChat) {
    this.#bridge = bridge;
    this.available = bridge !== undefined;
    if (bridge === undefined) return;
    this.#unsubscribe = bridge.onHostStatus((status) => {
      this.#pushed = true;
      this.status = status;
    });
    bridge.getHostStatus().then(
      (status) => {
        if (!this.#pushed && !this.#disposed) this.status = status;
      },
      (error: unknown) => console.error('LanChat: could not read the host status', error),
    );
  }

  /**
   * Asks the main process for the host's state now, e.g. to learn whether a
   * restored session's host is still running (the page was reloaded) before
   * starting it again. Never rejects: on an IPC failure it returns the state
   * known so far.
   */
  async refresh(): Promise<HostStatus> {
    if (this.#bridge === undefined) return this.status;
    try {
      const status = await this.#bridge.getHostStatus();
      // A push that arrived meanwhile is newer than this reply.
      if (!this.#pushed && !this.#disposed) this.status = status;
      return this.#pushed ? this.status : status;
    } catch (error) {
      console.error('LanChat: could not read the host status', error);
      return this.status;
    }
  }

  /**
   * Starts hosting. Never rejects: an IPC failure becomes `HOST_ERR_UNKNOWN`.
   * @param request - port, room and scope
   */
  async start(request: HostRequest): Promise<HostResult> {
    if (this.#bridge === undefined) {
      return { ok: false, error: { code: 'HOST_ERR_UNKNOWN', message: 'Hosting needs the LanChat app.' }, status: STOPPED };
    }
    this.status = { ...this.status, state: 'starting', error: undefined };
    try {
      const result = await this.#bridge.startHosting(request);
      this.status = result.status;
      return result;
    } catch (error) {
      const failed: HostResult = {
        ok: false,
        error: { code: 'HOST_ERR_UNKNOWN', message: error instanceof Error ? error.message : String(error) },
        status: STOPPED,
      };
      this.status = failed.status;
      return failed;
    }
  }

  /** Stops hosting (safe when not hosting). */
  async stop(): Promise<void> {
    if (this.#bridge === undefined) return;
    try {
      this.status = await this.#bridge.stopHosting();
    } catch (error) {
      // The main process owns the server; all the page can do is report it.
      console.error('LanChat: could not stop hosting', error);
    }
  }

  /** Stops listening for status pushes. */
  dispose(): void {
    this.#disposed = true;
    this.#unsubscribe?.();
  }
}
