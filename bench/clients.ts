/**
 * Cheap benchmark clients: plain `ws` sockets (and raw `http` for SockJS
 * xhr-streaming) speaking each endpoint's framing by hand, so the load
 * generator spends its CPU on sockets, not on client libraries.
 *
 * A client hands every received frame to `onData` as a latin1 string
 * without parsing it: the load generator only scans frames for the `#`
 * marker of its payloads (see load-generator.ts), and SockJS `a[...]`
 * frames may carry several messages.
 *
 * @public
 */
import { randomBytes } from 'node:crypto';
import { Agent, request, type ClientRequest } from 'node:http';

import WebSocket from 'ws';

import { BENCH_ROOM, type Envelope, type Framing } from './stacks';

/** What a client reports to its owner. */
export interface ClientHooks {
  /** Every received frame (SockJS: one `a[...]` frame; Socket.IO: one `42[...]` packet), as latin1 text. */
  onData(frame: string): void;
  /** Called once when an open client is gone; `code` is the close code (0 when unknown). */
  onClose(code: number): void;
}

/** Where and how a client connects. */
export interface ClientOptions {
  host: string;
  port: number;
  framing: Framing;
  envelope: Envelope;
  /** Endpoint path (`ws`) or SockJS prefix. */
  path: string;
  /** Client number: LanChat joins as `c<index>`. */
  index: number;
  /** Give up on the handshake (and join) after this long. */
  connectTimeoutMs: number;
  /** Keep-alive agent for xhr-streaming (one per process). */
  agent?: Agent;
  /** `wss://` (framing `ws` only): the server serves TLS with a self-signed certificate. */
  tls?: boolean;
}

/** An open, ready (joined, for LanChat) client. */
export interface BenchClient {
  readonly index: number;
  readonly isOpen: boolean;
  /** Sends one chat message with this text; `id` is its unique client message id (LanChat's `send.id`). */
  sendChat(text: string, id: string): void;
  /** LanChat keep-alive (`{"type":"ping"}`); no-op for other envelopes. */
  ping(): void;
  /** Drops the connection without a handshake. */
  close(): void;
}

/** Events a wire raises to its envelope. */
interface WireEvents {
  open(): void;
  data(frame: string): void;
  close(code: number): void;
}

/** One framing: turns application messages into wire frames and back. */
interface Wire {
  /** Sends one application message (a JSON text). */
  write(message: string): void;
  close(): void;
}

/** ws's own client parsing work is the same for every stack; UTF-8 validation is skipped to keep it small. */
const WS_CLIENT_OPTIONS = { perMessageDeflate: false, skipUTF8Validation: true } as const;

/**
 * Over TLS: the bench server's certificate is made fresh for each run, and
 * what is measured is the server's CPU, so the client does not verify it
 * (LanChat's clients pin its fingerprint, which costs one comparison per
 * connection, not per message).
 */
const WSS_CLIENT_OPTIONS = { ...WS_CLIENT_OPTIONS, rejectUnauthorized: false } as const;

function rawToLatin1(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('latin1');
  if (Array.isArray(data)) return Buffer.concat(data).toString('latin1');
  return Buffer.from(data).toString('latin1');
}

/** Parses a SockJS close frame `c[3000,"Go away!"]` to its code. */
function sockJsCloseCode(frame: string): number {
  const code = Number.parseInt(frame.slice(2), 10);
  return Number.isFinite(code) ? code : 0;
}

/** A SockJS server id (3 digits) and session id, as sockjs-client makes them. */
function sockJsSessionPath(prefix: string): string {
  const server = String(Math.floor(Math.random() * 1000)).padStart(3, '0');
  return `${prefix}/${server}/${randomBytes(8).toString('hex')}`;
}

function openWs(options: ClientOptions, events: WireEvents): Wire {
  const socket = options.tls
    ? new WebSocket(`wss://${options.host}:${options.port}${options.path}`, WSS_CLIENT_OPTIONS)
    : new WebSocket(`ws://${options.host}:${options.port}${options.path}`, WS_CLIENT_OPTIONS);
  // Errors are followed by 'close', which is what the owner acts on.
  socket.on('error', () => undefined);
  socket.on('open', () => events.open());
  socket.on('message', (data) => events.data(rawToLatin1(data)));
  socket.on('close', (code) => events.close(code));
  return {
    write: (message) => socket.send(message),
    close: () => socket.terminate(),
  };
}

/** Engine.IO 4 over a direct WebSocket, no polling upgrade: `0{...}` open, `40` connect, `42[...]` events, `2`/`3` ping/pong. */
function openSocketIo(options: ClientOptions, events: WireEvents): Wire {
  const socket = new WebSocket(`ws://${options.host}:${options.port}/socket.io/?EIO=4&transport=websocket`, WS_CLIENT_OPTIONS);
  socket.on('error', () => undefined);
  socket.on('message', (data) => {
    const packet = rawToLatin1(data);
    if (packet.startsWith('42')) events.data(packet);
    else if (packet === '2') socket.send('3');
    else if (packet.startsWith('40')) events.open();
    else if (packet.startsWith('0')) socket.send('40');
    else if (packet.startsWith('41') || packet === '1') socket.terminate();
  });
  socket.on('close', (code) => events.close(code));
  return {
    write: (message) => socket.send(`42["msg",${message}]`),
    close: () => socket.terminate(),
  };
}

/** SockJS 0.3 websocket transport: server frames `o`, `h`, `a[...]`, `c[code,reason]`; client frames `["..."]`. */
function openSockJsWs(options: ClientOptions, events: WireEvents): Wire {
  const url = `ws://${options.host}:${options.port}${sockJsSessionPath(options.path)}/websocket`;
  const socket = new WebSocket(url, WS_CLIENT_OPTIONS);
  let closeCode = 0;
  socket.on('error', () => undefined);
  socket.on('message', (data) => {
    const frame = rawToLatin1(data);
    switch (frame.charCodeAt(0)) {
      case 0x61: // a
        events.data(frame);
        break;
      case 0x6f: // o
        events.open();
        break;
      case 0x63: // c
        closeCode = sockJsCloseCode(frame);
        socket.terminate();
        break;
      default: // h: heartbeat
        break;
    }
  });
  socket.on('close', (code) => events.close(closeCode || code));
  return {
    write: (message) => socket.send(JSON.stringify([message])),
    close: () => socket.terminate(),
  };
}

/**
 * SockJS 0.3 xhr-streaming: a POST whose chunked response carries a 2 KiB
 * `h` prelude, then one frame per line; the server ends it after its
 * streaming byte limit, and the client opens the next one on the same
 * session. Messages go up as separate `xhr_send` POSTs.
 */
function openSockJsXhr(options: ClientOptions, events: WireEvents): Wire {
  const base = sockJsSessionPath(options.path);
  const agent = options.agent ?? new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  let stream: ClientRequest | undefined;
  let opened = false;
  let done = false;

  const finish = (code: number): void => {
    if (done) return;
    done = true;
    stream?.destroy();
    events.close(code);
  };

  const onLine = (line: string): void => {
    switch (line.charCodeAt(0)) {
      case 0x61: // a
        events.data(line);
        break;
      case 0x6f: // o
        if (!opened) {
          opened = true;
          events.open();
        }
        break;
      case 0x63: // c
        finish(sockJsCloseCode(line));
        break;
      default: // h: prelude or heartbeat
        break;
    }
  };

  const openStream = (): void => {
    const req = request({
      host: options.host,
      port: options.port,
      method: 'POST',
      path: `${base}/xhr_streaming`,
      agent,
      headers: { 'Content-Length': '0' },
    });
    stream = req;
    req.on('error', () => finish(0));
    req.on('response', (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        finish(0);
        return;
      }
      response.setEncoding('latin1');
      let partial = '';
      response.on('data', (chunk: string) => {
        let text = partial === '' ? chunk : partial + chunk;
        let newline = text.indexOf('\n');
        while (newline !== -1) {
          onLine(text.slice(0, newline));
          text = text.slice(newline + 1);
          newline = text.indexOf('\n');
        }
        partial = text;
      });
      // The streaming limit ends a response; the session lives on.
      response.on('end', () => {
        if (!done) openStream();
      });
      response.on('error', () => finish(0));
    });
    req.end();
  };
  openStream();

  return {
    write(message) {
      if (done) return;
      const body = JSON.stringify([message]);
      const req = request(
        {
          host: options.host,
          port: options.port,
          method: 'POST',
          path: `${base}/xhr_send`,
          agent,
          headers: { 'Content-Type': 'text/plain;charset=UTF-8', 'Content-Length': String(Buffer.byteLength(body)) },
        },
        (response) => response.resume(),
      );
      req.on('error', () => undefined);
      req.end(body);
    },
    close: () => finish(0),
  };
}

const WIRES: Record<Framing, (options: ClientOptions, events: WireEvents) => Wire> = {
  ws: openWs,
  socketio: openSocketIo,
  'sockjs-ws': openSockJsWs,
  'sockjs-xhr': openSockJsXhr,
};

/**
 * Opens a client and, for LanChat, joins {@link BENCH_ROOM} as `c<index>`.
 * Resolves once it can send: on open, or for LanChat on `welcome`.
 *
 * @throws Error when the handshake or join fails or times out
 * @public
 */
export function connectClient(options: ClientOptions, hooks: ClientHooks): Promise<BenchClient> {
  return new Promise((resolve, reject) => {
    let ready = false;
    let open = true;
    const lanchat = options.envelope === 'lanchat';
    const timer = setTimeout(() => {
      wire.close();
      fail(new Error(`client ${options.index}: no ${lanchat ? 'welcome' : 'open'} within ${options.connectTimeoutMs} ms`));
    }, options.connectTimeoutMs);

    const fail = (error: Error): void => {
      if (ready) return;
      ready = true;
      open = false;
      clearTimeout(timer);
      reject(error);
    };

    const client: BenchClient = {
      index: options.index,
      get isOpen() {
        return open;
      },
      sendChat(text, id) {
        if (!open) return;
        wire.write(lanchat ? `{"type":"send","id":"${id}","text":"${text}"}` : `{"text":"${text}"}`);
      },
      ping() {
        if (open && lanchat) wire.write('{"type":"ping"}');
      },
      close() {
        open = false;
        wire.close();
      },
    };

    const becomeReady = (): void => {
      if (ready) return;
      ready = true;
      clearTimeout(timer);
      resolve(client);
    };

    const wire = WIRES[options.framing](options, {
      open() {
        if (lanchat) wire.write(`{"type":"join","room":"${BENCH_ROOM}","name":"c${options.index}","create":true}`);
        else becomeReady();
      },
      data(frame) {
        if (!ready && lanchat) {
          if (frame.includes('CHAT_ERR_')) {
            wire.close();
            fail(new Error(`client ${options.index}: join refused: ${frame.slice(0, 200)}`));
            return;
          }
          if (frame.includes('"welcome"') || frame.includes('\\"welcome\\"')) becomeReady();
        }
        hooks.onData(frame);
      },
      close(code) {
        if (!ready) {
          fail(new Error(`client ${options.index}: closed (${code}) before it was ready`));
          return;
        }
        if (!open) return;
        open = false;
        hooks.onClose(code);
      },
    });
  });
}
