/**
 * Chaos: six clients (three on /ws, three on SockJS websocket and
 * xhr-streaming) each send 40 messages through an outbox while their links
 * are cut abruptly at seeded-random moments, right behind a `send`, a little
 * later, or right after a `welcome`. Each reconnects with its resume key and
 * `since`, fills gaps with `history`, and resends everything unacknowledged.
 * The host keeps little history in memory and sends little on join, so
 * catch-up and duplicate detection go through SQLite as well.
 *
 * When every outbox is empty, every client's view must equal the host's
 * whole history, read by a fresh client: seqs 1..N, every message once,
 * none lost, acks matching seqs. Replay a failure with CHAOS_SEED=<seed>.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { createChatServer, type ChatServer } from '../../server';
import type { Logger } from '../../server/logger';
import {
  ResilientClient,
  assertGapFreeHistory,
  messageId,
  messageText,
  readWholeHistory,
  seedFromEnv,
  seededRandom,
  type LinkKind,
} from './durability-helpers';
import { withTimeout } from './helpers';

const KINDS: readonly LinkKind[] = ['ws', 'websocket', 'ws', 'xhr-streaming', 'ws', 'websocket'];
const MESSAGES_PER_CLIENT = 40;
const WINDOW = 4;
const ROOM = 'Chaos Room';
/** Bound of the whole run: the clients must settle well within it. */
const RUN_LIMIT_MS = 20_000;

describe('chaos: links cut at random, no message lost or duplicated', () => {
  const tempDir = mkdtempSync(join(tmpdir(), 'lanchat-chaos-'));
  let server: ChatServer | undefined;
  const clients: ResilientClient[] = [];

  after(async () => {
    for (const client of clients) client.stop();
    await server?.close();
    rmSync(tempDir, { recursive: true, force: true });
  });

  it('every client ends with the host history, which holds every message exactly once', async (t) => {
    const seed = seedFromEnv('CHAOS_SEED');
    t.diagnostic(`seed ${seed} (replay with CHAOS_SEED=${seed})`);
    const random = seededRandom(seed);

    const serverErrors: string[] = [];
    const logger: Logger = {
      debug() {},
      info() {},
      warn() {},
      error(message, fields) {
        serverErrors.push(`${message} ${JSON.stringify(fields ?? {})}`);
      },
    };
    server = createChatServer({
      port: 0,
      host: '127.0.0.1',
      dataPath: join(tempDir, 'chaos.sqlite'),
      rateLimit: { messages: 100_000, intervalMs: 1_000 },
      // Little in memory, little on join: catch-up pages and resend checks reach SQLite.
      maxHistoryPerRoom: 30,
      historyOnJoin: 5,
      // Sessions of cut SockJS links end soon; resumed names replace them before that anyway.
      sockjs: { disconnectDelayMs: 500 },
      // Every chaos client connects from 127.0.0.1 without an Origin.
      maxSessionsPerAddress: 2_048,
      maxSessionsWithoutOriginPerAddress: 2_048,
      logger,
    });
    const { port } = await server.start();

    KINDS.forEach((kind, index) => {
      clients.push(
        new ResilientClient({
          port,
          kind,
          room: ROOM,
          name: `c${index}-${kind}`,
          total: MESSAGES_PER_CLIENT,
          window: WINDOW,
          autoReconnect: true,
          chaos: { random, cutAfterSend: 0.07, cutAfterWelcome: 0.15, maxCuts: 6, maxDelayMs: 25 },
        }),
      );
    });

    const deadline = Date.now() + RUN_LIMIT_MS;
    const remaining = (): number => Math.max(1, deadline - Date.now());
    await withTimeout(Promise.all(clients.map((client) => client.start())), remaining(), 'every client to connect');
    await Promise.all(clients.map((client) => client.drained(remaining())));

    const { messages: history, welcome } = await readWholeHistory(port, ROOM);
    const total = KINDS.length * MESSAGES_PER_CLIENT;
    await Promise.all(clients.map((client) => client.caughtUp(history.length, remaining())));

    const cuts = clients.map((client) => `${client.label}: ${client.cuts} cuts, ${client.connects} connects, ${client.resends} resends`);
    t.diagnostic(cuts.join('; '));
    t.diagnostic(`host history: ${history.length} messages`);

    // Nothing went wrong along the way.
    assert.deepEqual(serverErrors, [], 'the host logged no errors');
    for (const client of clients) {
      assert.deepEqual(client.violations, [], `${client.label} saw no inconsistency`);
      assert.deepEqual(
        client.errors.map((error) => error.code),
        [],
        `${client.label} got no error messages`,
      );
    }
    // The chaos really happened: links were cut and messages sent again.
    assert.ok(
      clients.reduce((sum, client) => sum + client.cuts, 0) > 0,
      'at least one link was cut',
    );

    // The host: 1..N, each client id once, exactly the messages sent.
    const byId = assertGapFreeHistory(history);
    assert.equal(history.length, total, 'N equals the number of distinct messages sent');
    assert.equal(welcome.lastSeq, total);
    for (const client of clients) {
      assert.equal(client.nextIndex, MESSAGES_PER_CLIENT);
      for (let index = 0; index < MESSAGES_PER_CLIENT; index += 1) {
        const id = messageId(client.name, index);
        const stored = byId.get(id);
        assert.ok(stored, `${id} is in the host history`);
        assert.equal(stored.text, messageText(client.name, index));
        assert.equal(stored.from.name, client.name);
        assert.equal(client.acks.get(id), stored.seq, `${id} was acknowledged with its stored seq`);
      }
      assert.equal(client.outbox.size, 0);
    }

    // Every client's view is the host history, message for message.
    for (const client of clients) {
      assert.deepEqual(client.viewList(), history, `${client.label} sees exactly the host history`);
    }
  });
});
