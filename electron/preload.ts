/**
 * The preload: exposes named functions as `window.lanChat`, never
 * `ipcRenderer` itself (shared/STYLE.md §8; electron/electron#40330).
 * Update electron/ipc-contract.ts and electron/ipc.ts too when this changes.
 *
 * Runs sandboxed with context isolation, so it may only `require('electron')`.
 *
 * @public
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

import {
  IpcChannel,
  IpcPush,
  IpcSignal,
  type AppInfo,
  type CopyTextResult,
  type DiscoveryState,
  type HostCertificateResult,
  type PinHostRequest,
  type PinHostResult,
  type JoinLink,
  type HostRequest,
  type HostResult,
  type HostStatus,
  type OpenExternalResult,
  type SystemResumeReason,
} from './ipc-contract';

const bridge = {
  /** Starts this app's chat server. */
  startHosting: (request: HostRequest): Promise<HostResult> => ipcRenderer.invoke(IpcChannel.StartHosting, request),
  /** Stops this app's chat server (safe when not running). */
  stopHosting: (): Promise<HostStatus> => ipcRenderer.invoke(IpcChannel.StopHosting),
  /** The current state of this app's chat server. */
  getHostStatus: (): Promise<HostStatus> => ipcRenderer.invoke(IpcChannel.GetHostStatus),
  /** Version and platform facts. */
  getAppInfo: (): Promise<AppInfo> => ipcRenderer.invoke(IpcChannel.GetAppInfo),
  /**
   * Opens an http(s) link in the user's browser. Only honoured while the
   * page has a user click behind it (`navigator.userActivation`, which page
   * scripts cannot fake): a script on its own gets `LINK_ERR_NO_USER_GESTURE`.
   * The main process validates the URL (electron/external-links.ts).
   */
  openExternalLink: async (url: string): Promise<OpenExternalResult> => {
    if (!navigator.userActivation.isActive) {
      return { ok: false, code: 'LINK_ERR_NO_USER_GESTURE', message: 'links open only when the user clicks them' };
    }
    return ipcRenderer.invoke(IpcChannel.OpenExternalLink, url);
  },
  /**
   * Puts text on the clipboard through the main process. Like
   * {@link openExternalLink}, only while the page has a user click behind it.
   */
  copyText: async (text: string): Promise<CopyTextResult> => {
    if (!navigator.userActivation.isActive) {
      return { ok: false, message: 'copying works only when the user clicks' };
    }
    return ipcRenderer.invoke(IpcChannel.CopyText, text);
  },
  /** What LAN discovery knows now. */
  getDiscovery: (): Promise<DiscoveryState> => ipcRenderer.invoke(IpcChannel.GetDiscovery),
  /** Pins the certificate fingerprint an invite or discovery record names for an `https:` host, before connecting. */
  pinHost: (request: PinHostRequest): Promise<PinHostResult> => ipcRenderer.invoke(IpcChannel.PinHost, request),
  /** The fingerprint the host at an `https:` origin presents, and the one pinned for it. */
  getHostCertificate: (origin: string): Promise<HostCertificateResult> => ipcRenderer.invoke(IpcChannel.GetHostCertificate, origin),
  /** The user checked the host's fingerprint and trusts it; the next join is silent. */
  trustHost: (request: PinHostRequest): Promise<PinHostResult> => ipcRenderer.invoke(IpcChannel.TrustHost, request),
  /** The `lanchat://` link the app was started with, once; null when none. */
  takeJoinLink: (): Promise<JoinLink | null> => ipcRenderer.invoke(IpcChannel.TakeJoinLink),
  /**
   * Calls `callback` whenever LAN discovery finds, loses or updates a host.
   *
   * @returns a function that removes the listener
   */
  onDiscovery(callback: (state: DiscoveryState) => void): () => void {
    const listener = (_event: IpcRendererEvent, state: DiscoveryState): void => callback(state);
    ipcRenderer.on(IpcPush.DiscoveryChanged, listener);
    ipcRenderer.send(IpcSignal.RendererReady);
    return () => {
      ipcRenderer.removeListener(IpcPush.DiscoveryChanged, listener);
    };
  },
  /**
   * Calls `callback` when a `lanchat://` link is opened while the app runs.
   *
   * @returns a function that removes the listener
   */
  onJoinLink(callback: (link: JoinLink) => void): () => void {
    const listener = (_event: IpcRendererEvent, link: JoinLink): void => callback(link);
    ipcRenderer.on(IpcPush.JoinLinkOpened, listener);
    ipcRenderer.send(IpcSignal.RendererReady);
    return () => {
      ipcRenderer.removeListener(IpcPush.JoinLinkOpened, listener);
    };
  },
  /**
   * Calls `callback` whenever the host's state changes.
   *
   * Unsubscribing is by the returned function, not an `AbortSignal` option
   * (shared/STYLE.md §8 suggests one): contextBridge copies plain objects and
   * proxies only functions, so a signal passed from the page arrives without
   * its methods.
   *
   * @returns a function that removes the listener
   */
  onHostStatus(callback: (status: HostStatus) => void): () => void {
    const listener = (_event: IpcRendererEvent, status: HostStatus): void => callback(status);
    ipcRenderer.on(IpcPush.HostStatusChanged, listener);
    const unsubscribe = (): void => {
      ipcRenderer.removeListener(IpcPush.HostStatusChanged, listener);
    };
    ipcRenderer.send(IpcSignal.RendererReady);
    return unsubscribe;
  },
  /**
   * Calls `callback` when the computer wakes from sleep or the screen is
   * unlocked, so the page can reconnect at once instead of waiting for a
   * dead socket to time out.
   *
   * @returns a function that removes the listener
   */
  onSystemResume(callback: (reason: SystemResumeReason) => void): () => void {
    const listener = (_event: IpcRendererEvent, reason: SystemResumeReason): void => callback(reason);
    ipcRenderer.on(IpcPush.SystemResumed, listener);
    ipcRenderer.send(IpcSignal.RendererReady);
    return () => {
      ipcRenderer.removeListener(IpcPush.SystemResumed, listener);
    };
  },
};

/** The API the renderer sees as `window.lanChat` (absent in a plain browser). @public */
export type LanChatBridge = typeof bridge;

contextBridge.exposeInMainWorld('lanChat', bridge);
