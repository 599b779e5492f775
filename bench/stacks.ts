/**
 * The stacks the fan-out benchmark compares, and how a client reaches each:
 * which server process, which framing on the wire, which chat envelope.
 * Update bench/README.md's stack table too when a stack changes.
 *
 * @public
 */

/** Server programs under bench/servers/ (built to bench/.build/<name>.js). */
export type ServerProgram = 'bare-ws' | 'socketio' | 'sockjs-plain' | 'lanchat-server';

/**
 * Wire framing a load-generator client speaks:
 * - `ws`: one message per WebSocket text frame;
 * - `socketio`: Engine.IO 4 / Socket.IO 5 packets over a WebSocket (`0`, `40`, `42[...]`, ping `2`/pong `3`);
 * - `sockjs-ws`: SockJS 0.3 frames over its websocket transport (`o`, `h`, `a[...]`, `c[...]`);
 * - `sockjs-xhr`: SockJS 0.3 xhr-streaming (chunked POST response) plus `xhr_send` POSTs.
 */
export type Framing = 'ws' | 'socketio' | 'sockjs-ws' | 'sockjs-xhr';

/**
 * Chat envelope inside the framing:
 * - `plain`: `{"text":"..."}` (Socket.IO: the text itself as the event argument), broadcast as is;
 * - `lanchat`: LanChat's protocol (`join` → `welcome`, `send` → `message` + `ack`, `ping` → `pong`).
 */
export type Envelope = 'plain' | 'lanchat';

/** Stack ids, in report order. */
export const STACK_IDS = ['bare-ws', 'socketio', 'sockjs-plain', 'lanchat-ws', 'lanchat-sockjs', 'lanchat-xhr', 'lanchat-wss'] as const;

/** One stack id. */
export type StackId = (typeof STACK_IDS)[number];

/** Everything needed to start and drive one stack. */
export interface StackSpec {
  id: StackId;
  /** The letter for this stack (a–f). */
  letter: string;
  /** Human label for tables and charts. */
  label: string;
  server: ServerProgram;
  framing: Framing;
  envelope: Envelope;
  /** Endpoint path (`ws`), or SockJS prefix (`sockjs-*`); unused for Socket.IO. */
  path: string;
  /** Whether this stack runs at every N or only at the smaller "xhr" N values. */
  smallNOnly: boolean;
  /**
   * The server serves HTTPS/WSS with a self-signed certificate (issue 15)
   * and the clients connect with `wss://`: the same stack as the plain one
   * plus TLS, to price encryption per delivery.
   */
  tls?: boolean;
}

/** The stacks, keyed by id. The bare `ws` loop is the ceiling every ratio refers to. */
export const STACKS: Record<StackId, StackSpec> = {
  'bare-ws': {
    id: 'bare-ws',
    letter: 'a',
    label: 'bare ws (ceiling)',
    server: 'bare-ws',
    framing: 'ws',
    envelope: 'plain',
    path: '/',
    smallNOnly: false,
  },
  socketio: {
    id: 'socketio',
    letter: 'b',
    label: 'Socket.IO 4 io.emit',
    server: 'socketio',
    framing: 'socketio',
    envelope: 'plain',
    path: '/socket.io/',
    smallNOnly: false,
  },
  'sockjs-plain': {
    id: 'sockjs-plain',
    letter: 'c',
    label: 'plain sockjs',
    server: 'sockjs-plain',
    framing: 'sockjs-ws',
    envelope: 'plain',
    path: '/echo',
    smallNOnly: false,
  },
  'lanchat-ws': {
    id: 'lanchat-ws',
    letter: 'd',
    label: 'LanChat /ws',
    server: 'lanchat-server',
    framing: 'ws',
    envelope: 'lanchat',
    path: '/ws',
    smallNOnly: false,
  },
  'lanchat-sockjs': {
    id: 'lanchat-sockjs',
    letter: 'e',
    label: 'LanChat SockJS websocket',
    server: 'lanchat-server',
    framing: 'sockjs-ws',
    envelope: 'lanchat',
    path: '/sockjs',
    smallNOnly: false,
  },
  'lanchat-xhr': {
    id: 'lanchat-xhr',
    letter: 'f',
    label: 'LanChat SockJS xhr-streaming',
    server: 'lanchat-server',
    framing: 'sockjs-xhr',
    envelope: 'lanchat',
    path: '/sockjs',
    smallNOnly: true,
  },
  'lanchat-wss': {
    id: 'lanchat-wss',
    letter: 'g',
    label: 'LanChat /ws over TLS',
    server: 'lanchat-server',
    framing: 'ws',
    envelope: 'lanchat',
    path: '/ws',
    smallNOnly: false,
    tls: true,
  },
};

/** The room every LanChat client joins. */
export const BENCH_ROOM = 'bench';

/**
 * Parses `--stacks a,c,lanchat-ws`: letters or ids, in any order; the result
 * keeps report order.
 *
 * @throws Error naming an unknown stack
 */
export function parseStacks(list: string): StackId[] {
  const wanted = new Set<StackId>();
  for (const raw of list.split(',').map((item) => item.trim()).filter(Boolean)) {
    const spec = Object.values(STACKS).find((stack) => stack.id === raw || stack.letter === raw);
    if (!spec) throw new Error(`unknown stack "${raw}"; use letters a-g or ids ${STACK_IDS.join(', ')}`);
    wanted.add(spec.id);
  }
  return STACK_IDS.filter((id) => wanted.has(id));
}
