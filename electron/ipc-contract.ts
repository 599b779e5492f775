/**
 * The typed IPC contract between the main process, the preload and the
 * renderer: every channel, with its request and response types. It replaces
 * electron/fiddle's `any[]` arguments (shared/STYLE.md §2).
 *
 * This file has no runtime imports, so the renderer may `import type` from it.
 * Update electron/ipc.ts (handlers) and electron/preload.ts (bridge) too when
 * a channel is added or changed.
 *
 * @public
 */
import type { DiscoveredHostRecord, InviteTarget } from '../server/protocol';

/** Who may reach a hosted room. */
export type HostScope =
  /** Every network interface (0.0.0.0): phones and laptops on the LAN can join. */
  | 'lan'
  /** Loopback only (127.0.0.1): nobody else can join; used by tests and for trying it out. */
  | 'local';

/** What the user asks for when hosting. */
export interface HostRequest {
  /** TCP port; 0 picks any free port. */
  port: number;
  /** The room created on start (others may still create more rooms on this host). */
  room: string;
  scope: HostScope;
  /** Optional password for the room; members must give it to join. */
  password?: string;
  /** Most members the room admits; omitted = the host's default. */
  maxMembers?: number;
  /**
   * Start although the history file lost messages its record says it held
   * (`HISTORY_ERR_LOST`): a new history begins with what the file holds.
   * Only ever set by the user's explicit choice after that error, and
   * never kept for restarts after a crash.
   */
  freshHistory?: boolean;
  /**
   * Announce the host on the LAN (mDNS, `_lanchat._tcp`) so other LanChat
   * apps list it under "On your network". Default true; never done for
   * scope 'local', nor when discovery is off for the whole app.
   */
  announce?: boolean;
  /** Whether members may create rooms other than `room` (after confirming). Default true. */
  allowGuestRooms?: boolean;
  /** The name other apps show for this host; default: the user's display name, else the computer's name. */
  hostName?: string;
  /**
   * Serve HTTPS/WSS with the host's own self-signed certificate (kept in
   * `<userData>/tls`, so its fingerprint stays the same). Default: true for
   * scope 'lan', false for 'local' (loopback traffic never leaves the computer).
   */
  tls?: boolean;
}

/**
 * A start-up error of the history store (server/history-store.ts), passed
 * through unchanged with its one-sentence message naming the file.
 */
export type HistoryErrorCode = `HISTORY_ERR_${string}`;

/** Why hosting failed, as a stable code the UI turns into words. */
export type HostErrorCode =
  | 'HOST_ERR_PORT_IN_USE'
  | 'HOST_ERR_PORT_ACCESS'
  | 'HOST_ERR_INVALID_REQUEST'
  | 'HOST_ERR_CRASHED'
  /** The server crashed too often in a short time; the host stopped restarting it. */
  | 'HOST_ERR_RESTART_LIMIT'
  /** The room is stored as protected with another password (server HostStartError `EROOMPASSWORD`). */
  | 'HOST_ERR_ROOM_PASSWORD'
  | 'HOST_ERR_UNKNOWN'
  | HistoryErrorCode;

/** A failure with its code and an English explanation. */
export interface HostError {
  code: HostErrorCode;
  message: string;
  /** The history file a `HISTORY_ERR_*` is about, so the window can name it without the CLI's wording. */
  path?: string;
}

/**
 * The last unexpected exit of the server process, kept while the host
 * restarts it, after it is back, and when it gave up.
 */
export interface HostCrash {
  /** When the process died (milliseconds since the epoch). */
  at: number;
  /** Its exit code (a process killed by a signal reports the signal's code or 0, depending on the platform). */
  exitCode: number;
  /** Crashes (and failed restarts) within {@link restartWindowMs}, this one included. */
  count: number;
  /** The host gives up when `count` reaches this. */
  maxCrashes: number;
  /** The sliding window `count` covers, in milliseconds. */
  restartWindowMs: number;
  /** When the next start attempt is due (milliseconds since the epoch); absent once it runs or gave up. */
  retryAt?: number;
  /** Why the last restart attempt failed, when one did (e.g. another program took the port meanwhile). */
  restartError?: HostError;
}

/**
 * The server runs but its history is unusable: a flush to the disk failed,
 * so it refuses new messages until it is restarted (from the server's
 * `health()`, polled by the server process).
 */
export interface HostDegraded {
  /** The server's code for the problem, e.g. `HEALTH_STORAGE_FLUSH_FAILED`, when it gives one. */
  code?: string;
  /** The server's reason, in English. */
  reason: string;
  /** When the main process learned of it (milliseconds since the epoch). */
  since: number;
}

/** The state of this app's own chat server. */
export interface HostStatus {
  /**
   * `restarting`: the server process died unexpectedly and is being started
   * again on the same port with the same history (see {@link crash}).
   */
  state: 'stopped' | 'starting' | 'running' | 'restarting' | 'error';
  /** Present while running or restarting. */
  port?: number;
  /** The room created on start. */
  room?: string;
  scope?: HostScope;
  /** Whether the room needs a password. */
  protected?: boolean;
  /** URL this app's own window uses to reach the host (loopback). */
  localUrl?: string;
  /** SHA-256 fingerprint (`AB:CD:…`) of the certificate the host serves; absent when it serves plain HTTP. */
  fingerprint?: string;
  /** URLs others type or open to join: one per LAN address (loopback only for scope 'local'). */
  shareUrls: string[];
  /** Present when state is 'error'. */
  error?: HostError;
  /** The server process's id while it runs (for diagnostics and tests). */
  pid?: number;
  /** The last crash, while restarting, after a restart, and when the host gave up. */
  crash?: HostCrash;
  /** Present while running with a history that refuses new messages. */
  degraded?: HostDegraded;
  /** Whether the host is announced on the LAN now. */
  announcing?: boolean;
  /** Whether members may create rooms (as started). */
  allowGuestRooms?: boolean;
}

/** Result of asking to host. */
export type HostResult = { ok: true; status: HostStatus } | { ok: false; error: HostError; status: HostStatus };

/** Facts about the running app. */
export interface AppInfo {
  version: string;
  electron: string;
  platform: string;
}

/**
 * Why a link was not opened: not a URL (or too long), not http(s), carries
 * credentials, or was not asked for by a user click (electron/external-links.ts).
 */
export type ExternalLinkErrorCode =
  | 'LINK_ERR_INVALID_URL'
  | 'LINK_ERR_SCHEME'
  | 'LINK_ERR_CREDENTIALS'
  | 'LINK_ERR_NO_USER_GESTURE';

/** Result of asking to open a link in the user's browser. */
export type OpenExternalResult = { ok: true } | { ok: false; code: ExternalLinkErrorCode; message: string };

/** Result of asking the main process to put text on the clipboard. */
export type CopyTextResult = { ok: true } | { ok: false; message: string };

/** A discovered host as the app shows it (server/protocol/announcement.ts `DiscoveredHostRecord`). */
export interface DiscoveredHost extends DiscoveredHostRecord {
  /** This app's own host. */
  own: boolean;
}

/** What LAN discovery knows now. */
export interface DiscoveryState {
  /**
   * `off`: turned off for this run (`LANCHAT_DISCOVERY=off`, as in tests);
   * `error`: mDNS could not start (e.g. port 5353 refused), see `error`.
   */
  state: 'running' | 'off' | 'error';
  error?: string;
  hosts: DiscoveredHost[];
}

/** A `lanchat://join?…` link the app was opened with: the join form fills in from it. */
export type JoinLink = InviteTarget;

/** A host's `https:` origin and the certificate fingerprint (`AB:CD:…`) to expect there (issue 15). */
export interface PinHostRequest {
  origin: string;
  fingerprint: string;
  /**
   * Where the fingerprint came from: an `invite` (the host's own link, opened
   * by the user) replaces an earlier pin; a `discovery` record (which anyone
   * on the LAN could forge) only fills in a missing one. Default `invite`.
   */
  source?: 'invite' | 'discovery';
}

/** Whether a pin was stored. */
export type PinHostResult = { ok: true } | { ok: false; message: string };

/**
 * The certificate a host presents (`fingerprint`) and the one pinned for
 * it, if any (`pinned`); or why it could not be read (nothing answers TLS there).
 */
export type HostCertificateResult = { ok: true; fingerprint: string; pinned?: string } | { ok: false; message: string };

/** Invoke channels (renderer → main, with a response). */
export const IpcChannel = {
  StartHosting: 'host:start',
  StopHosting: 'host:stop',
  GetHostStatus: 'host:status',
  GetAppInfo: 'app:info',
  /** Opens an http(s) link the user clicked in the default browser (the only use of shell.openExternal). */
  OpenExternalLink: 'link:open-external',
  /** What LAN discovery knows now. */
  GetDiscovery: 'discovery:get',
  /** Writes text to the clipboard (the `app://` page has no `navigator.clipboard`: it is not a secure context). */
  CopyText: 'clipboard:write-text',
  /** The `lanchat://` link the app was started with, once (null when none or already taken). */
  TakeJoinLink: 'join-link:take',
  /** Pins the fingerprint an invite or discovery record names for a host, before connecting (certificate-trust.ts). */
  PinHost: 'trust:pin-host',
  /** The fingerprint a host presents, and the pinned one, to ask the user or to warn. */
  GetHostCertificate: 'trust:get-host-certificate',
  /** The user compared a host's fingerprint and trusts it (trust on first use). */
  TrustHost: 'trust:trust-host',
} as const;

/** Push channels (main → renderer). */
export const IpcPush = {
  HostStatusChanged: 'host:status-changed',
  /** The computer woke from sleep or the screen was unlocked: sockets may be dead, reconnect now. */
  SystemResumed: 'system:resumed',
  /** LAN discovery found, lost or updated a host. */
  DiscoveryChanged: 'discovery:changed',
  /** A `lanchat://` link was opened while the app runs (a second launch passes it on). */
  JoinLinkOpened: 'join-link:opened',
} as const;

/** Why the system push was sent. */
export type SystemResumeReason = 'resume' | 'unlock-screen';

/** Signal channels (renderer → main, no response). */
export const IpcSignal = {
  /** The renderer has subscribed to pushes; queued pushes may flow. */
  RendererReady: 'renderer:ready',
} as const;

/** Request and response type of every invoke channel. */
export interface IpcInvokeMap {
  [IpcChannel.StartHosting]: { request: HostRequest; response: HostResult };
  [IpcChannel.StopHosting]: { request: void; response: HostStatus };
  [IpcChannel.GetHostStatus]: { request: void; response: HostStatus };
  [IpcChannel.GetAppInfo]: { request: void; response: AppInfo };
  [IpcChannel.OpenExternalLink]: { request: string; response: OpenExternalResult };
  [IpcChannel.GetDiscovery]: { request: void; response: DiscoveryState };
  [IpcChannel.CopyText]: { request: string; response: CopyTextResult };
  [IpcChannel.TakeJoinLink]: { request: void; response: JoinLink | null };
  [IpcChannel.PinHost]: { request: PinHostRequest; response: PinHostResult };
  [IpcChannel.GetHostCertificate]: { request: string; response: HostCertificateResult };
  [IpcChannel.TrustHost]: { request: PinHostRequest; response: PinHostResult };
}

/** Payload type of every push channel. */
export interface IpcPushMap {
  [IpcPush.HostStatusChanged]: HostStatus;
  [IpcPush.SystemResumed]: SystemResumeReason;
  [IpcPush.DiscoveryChanged]: DiscoveryState;
  [IpcPush.JoinLinkOpened]: JoinLink;
}

/** An invoke channel name. */
export type IpcInvokeChannel = keyof IpcInvokeMap;
/** A push channel name. */
export type IpcPushChannel = keyof IpcPushMap;
