/**
 * Test clients for the integration suites: a raw `ws` client for `/ws` and a
 * sockjs-client (running in Node) for `/sockjs`. Both collect every frame the
 * server sends, validate it with the shared protocol decoder, and let a test
 * wait for concrete messages — never for a fixed time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request as httpClientRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type RequestOptions } from 'node:http';
import { globalAgent as httpsGlobalAgent, request as httpsClientRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { PeerCertificate } from 'node:tls';
import { join } from 'node:path';
import { after, before } from 'node:test';

import SockJS from 'sockjs-client';
import WebSocket, { type ClientOptions } from 'ws';

import { createChatServer, type ChatServer, type ChatServerOptions } from '../../server';
import { decodeServerMessage, type ServerMessage, type ServerMessageMap } from '../../server/protocol';

/** Default wait for one expected event. Generous: CI machines are slow, passing tests never wait it out. */
export const EVENT_TIMEOUT_MS = 5_000;

/** SockJS transports sockjs-client can use from Node. */
export type SockJsTransportName = 'websocket' | 'xhr-streaming' | 'xhr-polling';

/** How a test client reaches the host: the raw endpoint or one SockJS transport. */
export type ClientKind = 'ws' | SockJsTransportName;

/** Every way of connecting, for suites that run once per transport. */
export const CLIENT_KINDS: readonly ClientKind[] = ['ws', 'websocket', 'xhr-streaming', 'xhr-polling'];

/** How a connection ended. */
export interface CloseInfo {
  code: number;
  reason: string;
}

/** Rejects with a descriptive error unless `promise` settles within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A test host's certificate and key (PEM) and the fingerprint its clients pin. */
export interface TestTls {
  cert: string;
  key: string;
  fingerprint: string;
}

/** Set by {@link runSuitesOverTls}: then every host here serves TLS and every client pins it. */
let testTls: TestTls | undefined;

/**
 * Runs the suites of this process over TLS (tests/server/tls.integration.test.ts):
 * every host that `useServer` or `BASE_OPTIONS` starts serves HTTPS/WSS with
 * `identity`, and every helper client speaks https/wss and accepts only that
 * certificate (its fingerprint, {@link pinnedTlsOptions}), including
 * sockjs-client's xhr transports, which use https's global agent.
 */
export function runSuitesOverTls(identity: TestTls): void {
  testTls = identity;
  Object.assign(httpsGlobalAgent.options, pinnedTlsOptions(identity));
}

/** The suites' TLS identity, when they run over TLS. */
export function suiteTls(): TestTls | undefined {
  return testTls;
}

/**
 * Node TLS client options that accept exactly one certificate: it is the
 * only trusted root (`ca`), so the chain check passes for it alone, and
 * `checkServerIdentity` compares its SHA-256 fingerprint instead of a host
 * name (the certificate need not name 127.0.0.1): the pinning LanChat's
 * clients do.
 */
export function pinnedTlsOptions(identity: Pick<TestTls, 'cert' | 'fingerprint'>): { ca: string; checkServerIdentity: (host: string, certificate: PeerCertificate) => Error | undefined } {
  return {
    ca: identity.cert,
    checkServerIdentity: (_host, certificate) =>
      certificate.fingerprint256 === identity.fingerprint ? undefined : new Error(`certificate ${certificate.fingerprint256} is not the pinned ${identity.fingerprint}`),
  };
}

/** GET `https://127.0.0.1:<port><path>`, accepting only `pin`'s certificate; resolves with status and body. */
export function pinnedHttpsGet(port: number, path: string, pin: Pick<TestTls, 'cert' | 'fingerprint'>): Promise<{ status: number; body: string }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const req = httpsClientRequest({ host: '127.0.0.1', port, path, agent: false, ...pinnedTlsOptions(pin) }, (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    }),
    EVENT_TIMEOUT_MS,
    `GET https ${path}`,
  );
}

/** `http://127.0.0.1:<port>` for a bound address (`https://` when the suites run over TLS). */
export function baseUrl(address: AddressInfo): string {
  return `${testTls ? 'https' : 'http'}://127.0.0.1:${address.port}`;
}

/** `ws://127.0.0.1:<port><path>` (`wss://` when the suites run over TLS). */
export function wsUrl(address: AddressInfo, path: string): string {
  return `${testTls ? 'wss' : 'ws'}://127.0.0.1:${address.port}${path}`;
}

/** Client options for `ws` (the pinned certificate when the suites run over TLS). */
export function wsClientOptions(options?: ClientOptions): ClientOptions | undefined {
  // ws hands these to tls.connect; @types/ws types checkServerIdentity with an older signature.
  return testTls ? ({ ...pinnedTlsOptions(testTls), ...options } as unknown as ClientOptions) : options;
}

/** `http.request`, or `https.request` pinned to the suites' certificate when they run over TLS. */
export function clientRequest(options: RequestOptions, onResponse?: (response: IncomingMessage) => void): ClientRequest {
  return testTls ? httpsClientRequest({ ...options, ...pinnedTlsOptions(testTls) }, onResponse) : httpClientRequest(options, onResponse);
}

interface Waiter {
  predicate: (message: ServerMessage) => boolean;
  resolve: (message: ServerMessage) => void;
  reject: (error: Error) => void;
}

/**
 * What both test clients share: an inbox of decoded server messages that
 * tests consume in order, and the close event.
 */
export abstract class TestClient {
  /** Every message received, consumed or not, in arrival order. */
  readonly received: ServerMessage[] = [];
  /** Frames that did not match the protocol schema (should stay empty). */
  readonly invalidFrames: string[] = [];
  /** Resolves when the connection closes. */
  readonly closed: Promise<CloseInfo>;
  #inbox: ServerMessage[] = [];
  #waiters: Waiter[] = [];
  #closeInfo: CloseInfo | undefined;
  #resolveClosed!: (info: CloseInfo) => void;

  constructor(readonly label: string) {
    this.closed = new Promise<CloseInfo>((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  /** Sends one raw text frame. */
  abstract sendRaw(data: string): void;

  /** Closes the client side (no-op when already closed). */
  abstract close(): void;

  /** Encodes and sends a message. */
  send(message: unknown): void {
    this.sendRaw(JSON.stringify(message));
  }

  /** Whether the connection has closed. */
  get isClosed(): boolean {
    return this.#closeInfo !== undefined;
  }

  /** Received but not yet consumed messages. */
  pending(): ServerMessage[] {
    return [...this.#inbox];
  }

  /**
   * Consumes the first message (already received or still to come) matching
   * `predicate`. Earlier non-matching messages stay in the inbox.
   */
  waitFor(predicate: (message: ServerMessage) => boolean, timeoutMs = EVENT_TIMEOUT_MS, what = 'a matching message'): Promise<ServerMessage> {
    if (this.invalidFrames.length > 0) {
      return Promise.reject(new Error(`${this.label} received frames outside the protocol: ${this.invalidFrames.join(' | ')}`));
    }
    const index = this.#inbox.findIndex(predicate);
    if (index !== -1) return Promise.resolve(this.#inbox.splice(index, 1)[0] as ServerMessage);
    if (this.#closeInfo) {
      return Promise.reject(new Error(`${this.label} is closed (${this.#closeInfo.code}) while waiting for ${what}`));
    }
    let waiter!: Waiter;
    const promise = new Promise<ServerMessage>((resolve, reject) => {
      waiter = { predicate, resolve, reject };
      this.#waiters.push(waiter);
    });
    return withTimeout(promise, timeoutMs, `${what} on ${this.label}`).finally(() => {
      this.#waiters = this.#waiters.filter((entry) => entry !== waiter);
    });
  }

  /** Consumes the next message of `type` (skipping, but keeping, others). */
  async next<T extends keyof ServerMessageMap>(type: T, timeoutMs = EVENT_TIMEOUT_MS): Promise<ServerMessageMap[T]> {
    const message = await this.waitFor((candidate) => candidate.type === type, timeoutMs, `"${type}"`);
    return message as ServerMessageMap[T];
  }

  /** Consumes the very next message, whatever its type. */
  nextAny(timeoutMs = EVENT_TIMEOUT_MS): Promise<ServerMessage> {
    return this.waitFor(() => true, timeoutMs, 'any message');
  }

  /**
   * Sends `join` and returns the `welcome`. The join says `create: true`
   * (the room is created if it does not exist), as a client does after its
   * user confirmed "Create room 'x'?"; tests of the refusal send their own.
   */
  async join(room: string, name: string, since?: number): Promise<ServerMessageMap['welcome']> {
    this.send(since === undefined ? { type: 'join', room, name, create: true } : { type: 'join', room, name, since, create: true });
    return this.next('welcome');
  }

  /**
   * Sends `join` with extra fields (password, resumeKey, since, historyId,
   * create) and returns the `welcome`. `create` is true unless given.
   */
  async joinWith(fields: {
    room: string;
    name: string;
    since?: number;
    historyId?: string;
    password?: string;
    resumeKey?: string;
    create?: boolean;
  }): Promise<ServerMessageMap['welcome']> {
    this.send({ type: 'join', create: true, ...fields });
    return this.next('welcome');
  }

  /** Resolves with the close event, or rejects after `timeoutMs`. */
  waitClosed(timeoutMs = EVENT_TIMEOUT_MS): Promise<CloseInfo> {
    return withTimeout(this.closed, timeoutMs, `close of ${this.label}`);
  }

  protected onFrame(raw: string): void {
    const decoded = decodeServerMessage(raw);
    if (!decoded.ok) {
      this.invalidFrames.push(raw);
      for (const waiter of this.#waiters.splice(0)) waiter.reject(new Error(`${this.label} received a frame outside the protocol: ${raw}`));
      return;
    }
    const message = decoded.message;
    this.received.push(message);
    const waiter = this.#waiters.find((entry) => entry.predicate(message));
    if (waiter) {
      this.#waiters = this.#waiters.filter((entry) => entry !== waiter);
      waiter.resolve(message);
    } else {
      this.#inbox.push(message);
    }
  }

  protected onClosed(info: CloseInfo): void {
    if (this.#closeInfo) return;
    this.#closeInfo = info;
    this.#resolveClosed(info);
    for (const waiter of this.#waiters.splice(0)) {
      waiter.reject(new Error(`${this.label} closed (${info.code} ${info.reason}) while waiting`));
    }
  }
}

/** A raw RFC 6455 client of `/ws`. */
export class WsTestClient extends TestClient {
  readonly socket: WebSocket;

  private constructor(socket: WebSocket, label: string) {
    super(label);
    this.socket = socket;
    socket.on('message', (data, isBinary) => {
      if (isBinary) this.invalidFrames.push('<binary frame>');
      else this.onFrame(data.toString());
    });
    socket.on('close', (code, reason) => this.onClosed({ code, reason: reason.toString() }));
    // A test that provokes a server close (1009) also sees the client-side error; the close is what it asserts.
    socket.on('error', () => undefined);
  }

  /** Opens `/ws` (or `path`) and resolves once the socket is open. */
  static async connect(address: AddressInfo, label = 'ws', path = '/ws', options?: ClientOptions): Promise<WsTestClient> {
    const socket = new WebSocket(wsUrl(address, path), wsClientOptions(options));
    const client = new WsTestClient(socket, label);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
        socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
      }),
      EVENT_TIMEOUT_MS,
      `open of ${label}`,
    );
    return client;
  }

  sendRaw(data: string): void {
    this.socket.send(data);
  }

  /** Sends one binary frame. */
  sendBinary(data: Buffer): void {
    this.socket.send(data, { binary: true });
  }

  close(): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(1000, 'test done');
  }

  /** Drops the TCP connection without a close handshake, as a crashed client would. */
  terminate(): void {
    this.socket.terminate();
  }
}

/** A sockjs-client (in Node) of `/sockjs`, pinned to one transport. */
export class SockJsTestClient extends TestClient {
  /** sockjs-client's socket (typed as the DOM WebSocket it imitates). */
  readonly sock: globalThis.WebSocket;

  private constructor(sock: globalThis.WebSocket, label: string) {
    super(label);
    this.sock = sock;
    sock.onmessage = (event: MessageEvent) => this.onFrame(String(event.data));
    sock.onclose = (event: CloseEvent) => this.onClosed({ code: event.code, reason: event.reason });
  }

  /** Opens `/sockjs` (or `prefix`) with only `transport` allowed and resolves once the session is open. */
  static async connect(address: AddressInfo, transport: SockJsTransportName, label: string = transport, prefix = '/sockjs'): Promise<SockJsTestClient> {
    // Over TLS, sockjs-client's websocket transport (faye-websocket) takes the pin as options; its xhr transports use https's global agent.
    const transportOptions = testTls ? { websocket: { tls: pinnedTlsOptions(testTls) } } : undefined;
    const sock = new SockJS(`${baseUrl(address)}${prefix}`, null, { transports: [transport], transportOptions } as SockJS.Options);
    const client = new SockJsTestClient(sock, label);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        sock.onopen = () => resolve();
        client.closed.then((info) => reject(new Error(`sockjs ${transport} closed before opening: ${info.code} ${info.reason}`)), reject);
      }),
      EVENT_TIMEOUT_MS,
      `open of ${label}`,
    );
    // sockjs-client falls back silently; a test of one transport must really use it.
    const actual = (sock as unknown as { transport?: string }).transport;
    if (actual !== transport) throw new Error(`sockjs-client chose ${String(actual)} instead of ${transport}`);
    return client;
  }

  sendRaw(data: string): void {
    this.sock.send(data);
  }

  close(): void {
    if (this.sock.readyState === 0 || this.sock.readyState === 1) this.sock.close(1000, 'test done');
  }
}

/** Connects a client of the given kind. */
export function connectClient(address: AddressInfo, kind: ClientKind, label: string = kind): Promise<TestClient> {
  return kind === 'ws' ? WsTestClient.connect(address, label) : SockJsTestClient.connect(address, kind, label);
}

/** Closes every client still open and waits for the closes to land. */
export async function closeAll(clients: Iterable<TestClient>): Promise<void> {
  const waits: Promise<unknown>[] = [];
  for (const client of clients) {
    if (client.isClosed) continue;
    client.close();
    waits.push(client.waitClosed().catch(() => undefined));
  }
  await Promise.all(waits);
}

/** A plain HTTP GET with the path sent verbatim (no URL normalisation, unlike fetch). */
export function httpGet(address: AddressInfo, path: string, method = 'GET'): Promise<HttpResult> {
  return httpRequest(address, { method, path });
}

/** Opens an upgrade request to `path` and resolves with the HTTP status the server answered instead of upgrading. */
export function upgradeStatus(address: AddressInfo, path: string): Promise<number> {
  return withTimeout(
    new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(wsUrl(address, path), wsClientOptions());
      socket.on('unexpected-response', (_request, response) => {
        resolve(response.statusCode ?? 0);
        response.resume();
        socket.terminate();
      });
      socket.on('open', () => {
        socket.terminate();
        reject(new Error(`${path} accepted the upgrade`));
      });
      socket.on('error', (error) => reject(error));
    }),
    EVENT_TIMEOUT_MS,
    `upgrade response for ${path}`,
  );
}

let idCounter = 0;

/** A fresh client message id, unique within this test process. */
export function clientId(prefix = 'm'): string {
  idCounter += 1;
  return `${prefix}-${process.pid}-${idCounter}`;
}

/** A response read whole. */
export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Any HTTP request, path verbatim, with headers and a body (string or raw bytes). */
export function httpRequest(
  address: AddressInfo,
  options: { method?: string; path: string; headers?: OutgoingHttpHeaders; body?: string | Buffer },
  timeoutMs = EVENT_TIMEOUT_MS,
): Promise<HttpResult> {
  const method = options.method ?? 'GET';
  return withTimeout(
    new Promise<HttpResult>((resolve, reject) => {
      const req = clientRequest(
        { host: '127.0.0.1', port: address.port, path: options.path, method, headers: options.headers, agent: false },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            body += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
          response.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(options.body);
    }),
    timeoutMs,
    `${method} ${options.path}`,
  );
}

/**
 * Sends a WebSocket upgrade request with the given headers (`Origin`,
 * `Host`, …) and resolves with 101 when the server switched protocols, or
 * with the HTTP status it answered instead.
 */
export function upgradeWith(address: AddressInfo, path: string, headers: OutgoingHttpHeaders = {}): Promise<number> {
  return withTimeout(
    new Promise<number>((resolve, reject) => {
      const req = clientRequest({
        host: '127.0.0.1',
        port: address.port,
        path,
        agent: false,
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
          ...headers,
        },
      });
      req.on('upgrade', (_response, socket) => {
        socket.destroy();
        resolve(101);
      });
      req.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    }),
    EVENT_TIMEOUT_MS,
    `upgrade response for ${path}`,
  );
}

/** A SockJS frame as sent on the HTTP transports. */
export type SockJsFrame = { kind: 'o' } | { kind: 'h' } | { kind: 'a'; messages: string[] } | { kind: 'c'; code: number; reason: string };

/** One SockJS frame (`o`, `h`, `a[...]`, `c[...]`) as text → structured; the 2048-byte `h` prelude counts as `h`. */
export function parseSockJsFrame(text: string): SockJsFrame {
  if (text === 'o') return { kind: 'o' };
  if (/^h+$/.test(text)) return { kind: 'h' };
  if (text.startsWith('a')) return { kind: 'a', messages: JSON.parse(text.slice(1)) as string[] };
  if (text.startsWith('c')) {
    const [code, reason] = JSON.parse(text.slice(1)) as [number, string];
    return { kind: 'c', code, reason };
  }
  throw new Error(`not a SockJS frame: ${JSON.stringify(text.slice(0, 80))}`);
}

/** Splits an xhr / xhr_streaming body into SockJS frames (one per line). */
export function parseSockJsFrames(body: string): SockJsFrame[] {
  return body
    .split('\n')
    .filter((line) => line.length > 0)
    .map(parseSockJsFrame);
}

/** A fresh SockJS session id (sockjs keeps sessions in one process-wide map: ids must never repeat). */
export function sockJsSessionId(): string {
  return randomBytes(12).toString('hex');
}

/**
 * An xhr-polling SockJS session driven with plain HTTP, so a test decides
 * exactly when (and whether) it polls.
 */
export class RawXhrSession {
  readonly id = sockJsSessionId();

  constructor(
    readonly address: AddressInfo,
    readonly prefix = '/sockjs',
  ) {}

  /** `<prefix>/000/<id>/<suffix>` */
  path(suffix: string): string {
    return `${this.prefix}/000/${this.id}/${suffix}`;
  }

  /** One poll (the first one opens the session): the frames it returned. */
  async poll(): Promise<SockJsFrame[]> {
    const response = await httpRequest(this.address, { method: 'POST', path: this.path('xhr') });
    if (response.status !== 200) throw new Error(`xhr poll answered ${response.status}: ${response.body}`);
    return parseSockJsFrames(response.body);
  }

  /** Posts messages (each a string, usually JSON) with xhr_send; resolves with the HTTP status (204 when delivered). */
  async send(...messages: string[]): Promise<number> {
    return (await this.sendBody(JSON.stringify(messages))).status;
  }

  /** Posts a raw xhr_send body. */
  sendBody(body: string | Buffer): Promise<HttpResult> {
    return httpRequest(this.address, { method: 'POST', path: this.path('xhr_send'), headers: { 'Content-Type': 'text/plain' }, body });
  }
}

/**
 * Every server in the integration suites listens on 127.0.0.1 port 0. A short SockJS disconnect delay ends sessions of closed xhr clients quickly (the default is 5 s).
 * Every test client connects from 127.0.0.1, without an Origin: the per-address limits are lifted to the host-wide one here, and the
 * suites that test those limits (net-hardening) set their own.
 */
export const BASE_OPTIONS: ChatServerOptions = {
  port: 0,
  host: '127.0.0.1',
  sockjs: { disconnectDelayMs: 500 },
  maxSessionsPerAddress: 2_048,
  maxSessionsWithoutOriginPerAddress: 2_048,
  maxSocketsPerAddress: 8_192,
};
// `tls` is read when a suite starts its host (spreading BASE_OPTIONS, or
// resolveOptions reading it, calls the getter), after runSuitesOverTls has
// made the certificate in a `before` hook: certificates are made
// asynchronously, after the suites have registered.
Object.defineProperty(BASE_OPTIONS, 'tls', {
  enumerable: true,
  get: () => (testTls ? { cert: testTls.cert, key: testTls.key } : undefined),
});

/** One running server per describe block, plus the clients its tests open. */
export interface ServerFixture {
  server: ChatServer;
  address: AddressInfo;
  clients: TestClient[];
  /** Connects a client that `after` closes. */
  connect(kind: ClientKind, label?: string): Promise<TestClient>;
  /** Connects a `/ws` client (with ws client options) that `after` closes. */
  connectWs(label?: string, options?: ClientOptions): Promise<WsTestClient>;
}

/** Starts a server (BASE_OPTIONS plus `options`) before the enclosing describe's tests and closes it, and its clients, after them. */
export function useServer(options: ChatServerOptions = {}): ServerFixture {
  const fixture: ServerFixture = {
    server: undefined as unknown as ChatServer,
    address: undefined as unknown as AddressInfo,
    clients: [],
    async connect(kind, label) {
      const client = await connectClient(fixture.address, kind, label);
      fixture.clients.push(client);
      return client;
    },
    async connectWs(label, clientOptions) {
      const client = await WsTestClient.connect(fixture.address, label, '/ws', clientOptions);
      fixture.clients.push(client);
      return client;
    },
  };
  before(async () => {
    fixture.server = createChatServer({ ...BASE_OPTIONS, ...options, sockjs: { ...BASE_OPTIONS.sockjs, ...options.sockjs } });
    fixture.address = await fixture.server.start();
  });
  after(async () => {
    await closeAll(fixture.clients);
    await fixture.server.close();
  });
  return fixture;
}

/** Sends a message and waits for its ack. */
export async function sendAndAck(client: TestClient, text: string, id = clientId()): Promise<ServerMessageMap['ack']> {
  client.send({ type: 'send', id, text });
  return client.waitFor((message) => message.type === 'ack' && message.id === id, undefined, `ack ${id}`) as Promise<ServerMessageMap['ack']>;
}

/** Consumes the broadcast of client message `id`. */
export async function nextChat(client: TestClient, id: string): Promise<ServerMessageMap['message']> {
  return client.waitFor((message) => message.type === 'message' && message.clientId === id, undefined, `message ${id}`) as Promise<
    ServerMessageMap['message']
  >;
}

/** Consumes the next `error` (other messages stay in the inbox) and checks its code (and `ref`, when given). */
export async function expectError(client: TestClient, code: string, ref?: string): Promise<ServerMessageMap['error']> {
  const message = await client.next('error');
  if (message.code !== code) throw new Error(`${client.label}: expected error ${code}, got ${message.code}`);
  if (ref !== undefined && message.ref !== ref) throw new Error(`${client.label}: expected ref ${ref}, got ${String(message.ref)}`);
  return message;
}

/** A CLI host process started by {@link spawnCli}, with its output so far. */
export interface CliRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code, or the signal that ended it. */
  exited: Promise<number | string>;
}

const runningClis = new Set<ChildProcess>();

/** How long a CLI host may take to start or exit (tsx compiles on the fly; CI machines are slow). */
const CLI_START_TIMEOUT_MS = 20_000;

/** Starts `node --import tsx server/cli.ts …args` from the repository root (with `env` added to this process's environment), collecting its output. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', join('server', 'cli.ts'), ...args], {
    cwd: join(__dirname, '..', '..'),
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  runningClis.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      runningClis.delete(child);
      resolve(signal ?? code ?? 'unknown');
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Kills every CLI process still running (for `after` hooks). */
export function killRunningClis(): void {
  for (const child of runningClis) child.kill('SIGKILL');
}

/** Waits until a CLI's stdout has a line matching `pattern`; fails early if the process exits first. */
export function waitForStdout(run: CliRun, pattern: RegExp, timeoutMs = CLI_START_TIMEOUT_MS): Promise<RegExpMatchArray> {
  return withTimeout(
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = (): void => {
        const match = run.stdout().match(pattern);
        if (match) {
          run.child.stdout?.off('data', check);
          resolve(match);
        }
      };
      run.child.stdout?.on('data', check);
      check();
      run.exited.then((code) => reject(new Error(`exited with ${code} before printing ${pattern}; stderr: ${run.stderr()}`)));
    }),
    timeoutMs,
    `stdout matching ${pattern}`,
  );
}
