/**
 * LanChat's real host for the benchmarks: `createChatServer` with every
 * feature on (validation, rate limiting, durable history with group commit
 * in a SQLite file, history on join, acks, slow-consumer guards, liveness),
 * only its limits sized for the load: more connections and members than
 * the benchmark opens, and a rate limit no benchmark sender reaches.
 *
 * Usage: node --expose-gc bench/.build/lanchat-server.js --data <file.sqlite> [--max-clients <n>] [--tls]
 *   --data         history database (`:memory:` for none); the orchestrator gives a fresh temporary file
 *   --max-clients  room size and connection limit (default 2048)
 *   --tls          serve HTTPS/WSS with a fresh self-signed certificate (ECDSA P-256, as a host makes)
 */
import { createChatServer } from '../../server';
import { createSelfSignedIdentity } from '../../server/tls-identity';
import { BENCH_ROOM } from '../stacks';

import { announce, argValue } from './harness';

const DEFAULT_MAX_CLIENTS = 2_048;
/** Messages per connection per interval: far above anything a benchmark sender does. */
const BENCH_RATE_LIMIT = { messages: 1_000_000, intervalMs: 1_000 };

const dataPath = argValue('data');
if (dataPath === undefined) {
  console.error('lanchat-server: --data <file> is required (":memory:" for no persistence)');
  process.exit(2);
}
const maxClients = Number(argValue('max-clients') ?? DEFAULT_MAX_CLIENTS);

async function start(): Promise<{ port: number }> {
  const identity = process.argv.includes('--tls') ? await createSelfSignedIdentity() : undefined;
  const server = createChatServer({
    host: '127.0.0.1',
    port: 0,
    dataPath,
    rooms: [BENCH_ROOM],
    maxConnections: maxClients,
    maxMembersPerRoom: maxClients,
    // Every bench client connects from 127.0.0.1 without an Origin; a SockJS
    // client may hold 3 sockets (a poll, a send, one closing).
    maxSessionsPerAddress: maxClients,
    maxSessionsWithoutOriginPerAddress: maxClients,
    maxSocketsPerAddress: maxClients * 3,
    rateLimit: BENCH_RATE_LIMIT,
    tls: identity === undefined ? undefined : { cert: identity.cert, key: identity.key },
  });
  return server.start();
}

start().then(
  (address) => announce(address.port),
  (error: unknown) => {
    console.error('lanchat-server: cannot start:', error);
    process.exit(1);
  },
);
