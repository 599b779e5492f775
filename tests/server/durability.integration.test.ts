/**
 * "No message lost" across a host crash: the real CLI host, killed with
 * SIGKILL while four clients (two on /ws, SockJS websocket and SockJS
 * xhr-streaming) stream messages as fast as acks allow, restarted on the
 * same port with the same --data file.
 *
 * (a) Every message the host acknowledged before it died is in the history
 *     exactly once, at the seq of its ack, and seqs run 1..N without gaps.
 * (b) The clients resend every unacknowledged message with the same id (and
 *     a few acknowledged ones, as if those acks had been lost): nothing is
 *     stored twice, everything resent is stored, old acks keep their seq.
 * (c) Rooms created by joining come back, open, and the sequence continues
 *     from `welcome.lastSeq`.
 *
 * And the history id: kept across restarts of the host process (a clean
 * stop or SIGKILL), another for another history file, and a `since`
 * counted in another history answered like a first join.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { ChatMessage } from '../../server/protocol';
import {
  PROCESS_TIMEOUT_MS,
  ResilientClient,
  assertGapFreeHistory,
  messageId,
  messageText,
  readWholeHistory,
  startHost,
  type HostProcess,
  type LinkKind,
} from './durability-helpers';
import { WsTestClient, killRunningClis, sendAndAck, withTimeout } from './helpers';

const KINDS: readonly LinkKind[] = ['ws', 'websocket', 'ws', 'xhr-streaming'];
/** Unacknowledged messages each client keeps in flight. */
const WINDOW = 8;
/** Acks to wait for before the kill. */
const KILL_AFTER_ACKS = 400;
/** New messages each client sends after the restart. */
const AFTER_RESTART = 20;
const ROOM = 'Durable Room';
const QUIET_ROOM = 'Quiet Corner';
/** Bound for streaming, draining and catching up. */
const RUN_LIMIT_MS = 20_000;

after(() => {
  // Only hosts this file started.
  killRunningClis();
});

function hostArgs(port: number, dataPath: string): string[] {
  // A short SockJS disconnect delay: sessions of dropped xhr links end (and the host exits) soon.
  return ['--port', String(port), '--host', '127.0.0.1', '--data', dataPath, '--rate-limit', '100000/1', '--log-level', 'warn', '--sockjs-disconnect-delay-ms', '500'];
}

/** ERROR lines the host wrote (the console logger's format). */
function errorLines(host: HostProcess): string[] {
  return host.stderr().split('\n').filter((line) => / ERROR /.test(line));
}

describe('durability: the host killed with SIGKILL mid-stream and restarted', () => {
  const tempDir = mkdtempSync(join(tmpdir(), 'lanchat-durability-'));
  const dataPath = join(tempDir, 'h.sqlite');
  const clients: ResilientClient[] = [];
  let firstHost: HostProcess;
  let host: HostProcess;
  let port: number;
  /** Per client: ids acknowledged by the first host → seq. */
  const ackedBeforeKill = new Map<ResilientClient, Map<string, number>>();
  /** Per client: ids in the outbox when the first host died. */
  const unackedAtKill = new Map<ResilientClient, string[]>();
  /** The history as the restarted host first reported it, before any resend. */
  let historyAfterRestart: ChatMessage[] = [];

  before(async () => {
    firstHost = await startHost(hostArgs(0, dataPath));
    port = firstHost.port;

    // A room created by joining, with no messages.
    const quiet = await WsTestClient.connect({ port, address: '127.0.0.1', family: 'IPv4' }, 'quiet');
    assert.equal((await quiet.join(QUIET_ROOM, 'Quinn')).lastSeq, 0);
    quiet.close();
    await quiet.waitClosed();

    let acks = 0;
    let killed = false;
    const onAck = (): void => {
      acks += 1;
      if (acks < KILL_AFTER_ACKS || killed) return;
      // Mid-stream: the clients keep sending as acks come, a full window each, until the host is gone.
      killed = true;
      firstHost.child.kill('SIGKILL');
    };
    KINDS.forEach((kind, index) => {
      clients.push(
        new ResilientClient({
          port,
          kind,
          room: ROOM,
          name: `s${index}-${kind}`,
          total: Number.MAX_SAFE_INTEGER,
          window: WINDOW,
          autoReconnect: false,
          onAck,
        }),
      );
    });
    await Promise.all(clients.map((client) => client.start()));
    assert.equal(await withTimeout(firstHost.exited, RUN_LIMIT_MS, `${KILL_AFTER_ACKS} acks and the SIGKILL`), 'SIGKILL');

    // From here on nothing of the first host can arrive: what was acknowledged is settled.
    for (const client of clients) {
      client.pause();
      client.disconnect();
      ackedBeforeKill.set(client, new Map(client.acks));
      unackedAtKill.set(client, [...client.outbox.keys()]);
    }

    host = await startHost(hostArgs(port, dataPath));
    historyAfterRestart = (await readWholeHistory(port, ROOM)).messages;
  });

  after(async () => {
    for (const client of clients) client.stop();
    if (host && host.child.exitCode === null && host.child.signalCode === null) host.child.kill('SIGKILL');
    rmSync(tempDir, { recursive: true, force: true });
  });

  it('(a) keeps every acknowledged message exactly once, at its seq, with seqs 1..N in order', async (t) => {
    assert.equal(host.port, port, 'restarted on the same port');
    assert.deepEqual(errorLines(firstHost), [], 'the first host logged no errors before the kill');
    const inFlight = [...unackedAtKill.values()].reduce((sum, ids) => sum + ids.length, 0);
    assert.ok(inFlight > 0, 'messages were in flight when the host died');

    const { welcome, messages } = await readWholeHistory(port, ROOM);
    assert.deepEqual(messages, historyAfterRestart, 'the history reads the same twice');
    const byId = assertGapFreeHistory(messages);
    assert.equal(welcome.lastSeq, messages.length, 'welcome.lastSeq is the last stored seq');

    let acknowledged = 0;
    let storedUnacknowledged = 0;
    for (const client of clients) {
      for (const [id, seq] of ackedBeforeKill.get(client) ?? []) {
        acknowledged += 1;
        const stored = byId.get(id);
        assert.ok(stored, `acknowledged ${id} (seq ${seq}) survived the crash`);
        assert.equal(stored.seq, seq, `${id} is stored at the seq of its ack`);
        assert.equal(stored.from.name, client.name);
        assert.equal(stored.text, messageText(client.name, Number(id.slice(id.lastIndexOf('-') + 1))));
      }
      for (const id of unackedAtKill.get(client) ?? []) if (byId.has(id)) storedUnacknowledged += 1;
      // One connection per client until the crash: its messages were stored in the order it sent them.
      const ownSeqs = messages.filter((message) => message.from.name === client.name).map((message) => message.seq);
      const byIndex = messages
        .filter((message) => message.from.name === client.name)
        .sort((a, b) => Number(a.clientId.slice(a.clientId.lastIndexOf('-') + 1)) - Number(b.clientId.slice(b.clientId.lastIndexOf('-') + 1)))
        .map((message) => message.seq);
      assert.deepEqual(byIndex, ownSeqs, `${client.label}: seq order is send order`);
    }
    // Nothing is stored that no client sent.
    for (const message of messages) {
      const client = clients.find((candidate) => candidate.name === message.from.name);
      assert.ok(client, `seq ${message.seq} comes from one of the clients`);
      const index = Number(message.clientId.slice(message.clientId.lastIndexOf('-') + 1));
      assert.equal(message.clientId, messageId(client.name, index));
      assert.ok(index < client.nextIndex, `${message.clientId} was sent`);
      assert.equal(message.text, messageText(client.name, index));
    }
    assert.ok(acknowledged >= KILL_AFTER_ACKS);
    t.diagnostic(
      `${acknowledged} acknowledged before the kill, ${inFlight} in flight, of which ${storedUnacknowledged} committed without their ack reaching the client; ${messages.length} stored`,
    );
  });

  it('(b) stores every resent message once: unacknowledged ones, and acknowledged ones whose acks were lost', async (t) => {
    const beforeResend = new Map(historyAfterRestart.map((message) => [message.clientId, message.seq]));
    // Some acks "lost" per client: the first, one in the middle and the last it got.
    const forgotten = new Map<ResilientClient, Map<string, number>>();
    for (const client of clients) {
      const acked = [...(ackedBeforeKill.get(client) ?? new Map<string, number>())];
      const picks = [acked[0], acked[Math.floor(acked.length / 2)], acked.at(-1)].filter((entry) => entry !== undefined);
      forgotten.set(client, new Map(picks));
      client.forgetAcks(picks.map(([id]) => id));
    }

    const deadline = Date.now() + RUN_LIMIT_MS;
    const remaining = (): number => Math.max(1, deadline - Date.now());
    await withTimeout(Promise.all(clients.map((client) => client.reconnect())), remaining(), 'every client to reconnect');
    for (const client of clients) client.sendMore(AFTER_RESTART);
    await Promise.all(clients.map((client) => client.drained(remaining())));

    const { messages } = await readWholeHistory(port, ROOM);
    const byId = assertGapFreeHistory(messages);
    // What was stored before the resends is unchanged.
    assert.deepEqual(messages.slice(0, historyAfterRestart.length), historyAfterRestart);

    let resentStored = 0;
    let resentNew = 0;
    for (const client of clients) {
      assert.deepEqual(client.violations, [], `${client.label} saw no inconsistency`);
      assert.deepEqual(
        client.errors.map((error) => error.code),
        [],
        `${client.label} got no error messages`,
      );
      // Every message the client ever created is stored once, and acknowledged with that seq.
      for (let index = 0; index < client.nextIndex; index += 1) {
        const id = messageId(client.name, index);
        const stored = byId.get(id);
        assert.ok(stored, `${id} is stored`);
        assert.equal(stored.text, messageText(client.name, index));
        assert.equal(client.acks.get(id), stored.seq, `${id} acknowledged with its stored seq`);
      }
      for (const [id, seq] of forgotten.get(client) ?? []) {
        assert.equal(client.acks.get(id), seq, `${id} resent after the restart keeps seq ${seq}`);
      }
      for (const id of unackedAtKill.get(client) ?? []) {
        const storedBefore = beforeResend.get(id);
        if (storedBefore === undefined) {
          resentNew += 1;
          assert.ok((byId.get(id)?.seq ?? 0) > historyAfterRestart.length, `${id} is stored after the restart`);
        } else {
          resentStored += 1;
          assert.equal(byId.get(id)?.seq, storedBefore, `${id}, committed before the crash, keeps its seq`);
        }
      }
      assert.ok(client.resends > 0, `${client.label} resent messages`);
    }
    assert.equal(messages.length, historyAfterRestart.length + resentNew + clients.length * AFTER_RESTART);
    assert.deepEqual(errorLines(host), [], 'the restarted host logged no errors');
    t.diagnostic(`resent after the restart: ${resentStored} already stored, ${resentNew} stored anew; ${messages.length} stored in all`);
  });

  it('(c) brings back the rooms created by joining, open, and continues their sequences; a room nobody wrote in is gone', async () => {
    // Rooms load on their first join, not at start (issue 12 item 5): read the room, then ask /health.
    const { messages } = await readWholeHistory(port, ROOM);
    const response = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(response.status, 200);
    const report = (await response.json()) as { rooms: Array<{ name: string; protected: boolean; lastSeq?: number }> };
    const durable = report.rooms.find((room) => room.name === ROOM);
    const quiet = report.rooms.find((room) => room.name === QUIET_ROOM);
    assert.deepEqual(
      durable && { protected: durable.protected, lastSeq: durable.lastSeq },
      { protected: false, lastSeq: messages.length },
    );
    assert.equal(quiet, undefined, 'a room nobody wrote in is not kept across restarts');

    const client = await WsTestClient.connect({ port, address: '127.0.0.1', family: 'IPv4' }, 'late joiner');
    try {
      // Any letter case reaches the room; it keeps the name it was created with.
      const welcome = await client.join(ROOM.toUpperCase(), 'Late');
      assert.equal(welcome.room, ROOM);
      assert.equal(welcome.lastSeq, messages.length);
      assert.equal((await sendAndAck(client, 'after everything')).seq, welcome.lastSeq + 1);

      const quietWelcome = await client.join(QUIET_ROOM, 'Late');
      assert.equal(quietWelcome.room, QUIET_ROOM);
      assert.equal(quietWelcome.lastSeq, 0);
      assert.deepEqual(quietWelcome.history, []);
      assert.equal((await sendAndAck(client, 'first words')).seq, 1);
    } finally {
      client.close();
    }

    // And a clean stop still exits 0.
    host.child.kill('SIGTERM');
    assert.equal(await withTimeout(host.exited, PROCESS_TIMEOUT_MS, 'the host to exit after SIGTERM'), 0);
  });
});

describe('the history id across host restarts', () => {
  const tempDir = mkdtempSync(join(tmpdir(), 'lanchat-history-id-'));
  const hosts: HostProcess[] = [];

  after(() => {
    for (const host of hosts) if (host.child.exitCode === null && host.child.signalCode === null) host.child.kill('SIGKILL');
    rmSync(tempDir, { recursive: true, force: true });
  });

  /** Starts a host on `file`, sends `texts` to ROOM and returns the welcome's history id (the host keeps running). */
  async function hostWith(file: string, texts: string[], port = 0): Promise<{ host: HostProcess; historyId: string }> {
    const host = await startHost(hostArgs(port, join(tempDir, file)));
    hosts.push(host);
    const client = await WsTestClient.connect({ port: host.port, address: '127.0.0.1', family: 'IPv4' }, `writer ${file}`);
    try {
      const { historyId } = await client.join(ROOM, 'Writer');
      for (const text of texts) await sendAndAck(client, text);
      return { host, historyId };
    } finally {
      client.close();
    }
  }

  async function stop(host: HostProcess, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    host.child.kill(signal);
    assert.equal(await withTimeout(host.exited, PROCESS_TIMEOUT_MS, `the host to exit after ${signal}`), signal === 'SIGTERM' ? 0 : 'SIGKILL');
  }

  it('keeps the id across a clean stop and a SIGKILL; another file has another; a since of another history gets the newest messages', async () => {
    const first = await hostWith('a.sqlite', ['a1', 'a2', 'a3']);
    assert.match(first.historyId, /^[0-9a-f-]{36}$/);
    await stop(first.host, 'SIGTERM');
    const afterStop = await hostWith('a.sqlite', ['a4']);
    assert.equal(afterStop.historyId, first.historyId, 'same id after a clean stop');
    await stop(afterStop.host, 'SIGKILL');
    const afterKill = await hostWith('a.sqlite', []);
    // The process died, the machine did not: the log kept everything it was shown.
    assert.equal(afterKill.historyId, first.historyId, 'same id after SIGKILL');
    await stop(afterKill.host, 'SIGTERM');

    // Another history on the same port, longer than the first: seqs 1..5 name other messages.
    const other = await hostWith('b.sqlite', ['b1', 'b2', 'b3', 'b4', 'b5'], afterKill.host.port);
    assert.notEqual(other.historyId, first.historyId);
    const client = await WsTestClient.connect({ port: other.host.port, address: '127.0.0.1', family: 'IPv4' }, 'returning');
    try {
      const stale = await client.joinWith({ room: ROOM, name: 'Returning', since: 4, historyId: first.historyId });
      assert.equal(stale.historyId, other.historyId);
      assert.deepEqual(
        stale.history.map((message) => message.text),
        ['b1', 'b2', 'b3', 'b4', 'b5'],
        'a since of another history counts for nothing',
      );
      const current = await client.joinWith({ room: ROOM, name: 'Returning', since: 4, historyId: other.historyId });
      assert.deepEqual(current.history.map((message) => message.text), ['b5'], 'a since of this history is honoured');
      const legacy = await client.joinWith({ room: ROOM, name: 'Returning', since: 3 });
      assert.deepEqual(legacy.history.map((message) => message.text), ['b4', 'b5'], 'a since without an id is taken as it is');
    } finally {
      client.close();
    }
  });
});
