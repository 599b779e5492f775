/**
 * The durable-append hot path: messages through a real `createChatServer`
 * (bench/servers/lanchat-server.ts, its own process on core 0) with a
 * temporary SQLite `dataPath`, so every `ack` means "committed and flushed
 * to disk" (group commit: one transaction per event-loop turn, one fsync
 * for every transaction written before it started).
 *
 * Two figures, each for a history file and, as the no-fsync reference, for
 * `:memory:`:
 * - steady: p50/p99 send→ack at a fixed 500 msg/s from 5 senders;
 * - saturation: acknowledged (committed) messages/s when each of the 5
 *   senders keeps a window of unacknowledged sends full.
 *
 * The 5 senders are the room's only members, so fan-out stays small and
 * the figure is about the append path. They are raw `/ws` clients in this
 * process (clients.ts).
 *
 * Usage: node --import tsx bench/history-append.bench.ts [--quick]
 *   (npm run bench runs it too and puts its figures in bench/results/latest.*)
 *
 * @public
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { connectClient, type BenchClient } from './clients';
import type { HistoryTrial } from './figures';
import { LatencyHistogram } from './histogram';
import { pace, sleep } from './pace';
import { buildPrograms, processCpuMs, startServer, waitForIdleMachine, type ServerProcess } from './processes';
import { STACKS } from './stacks';

/** Steady load: messages/s into the room, from this many senders. */
const STEADY_RATE = 500;
const SENDERS = 5;
/** Unacknowledged sends each sender keeps in flight at saturation. */
const WINDOW = 32;
/** How long to wait for the last acks. */
const ACK_DRAIN_MS = 3_000;
const CONNECT_TIMEOUT_MS = 10_000;
const MAX_CLIENTS = 64;
const TEXT_CHARS = 100;
/** The ack frame as the host encodes it: `{"type":"ack","id":"<id>",…`. */
const ACK_PREFIX = '{"type":"ack","id":"';

const DURATIONS = {
  full: { steadyMs: 5_000, maxMs: 4_000, maxIdleWaitMs: 10_000 },
  quick: { steadyMs: 2_000, maxMs: 2_000, maxIdleWaitMs: 1_500 },
};


/** Options of {@link runHistoryAppendBench}. @public */
export interface HistoryBenchOptions {
  quick: boolean;
  reps: number;
  log: (line: string) => void;
}

function text(k: number): string {
  const head = `append ${k} `;
  return head + 'x'.repeat(TEXT_CHARS - head.length);
}

/** Clients with their acks routed to one callback by message id. */
async function connectSenders(port: number, firstIndex: number, onAck: (id: string) => void): Promise<BenchClient[]> {
  const spec = STACKS['lanchat-ws'];
  const clients: BenchClient[] = [];
  for (let index = firstIndex; index < firstIndex + SENDERS; index += 1) {
    clients.push(
      await connectClient(
        { host: '127.0.0.1', port, framing: spec.framing, envelope: spec.envelope, path: spec.path, index, connectTimeoutMs: CONNECT_TIMEOUT_MS },
        {
          onData(frame) {
            if (frame.startsWith(ACK_PREFIX)) onAck(frame.slice(ACK_PREFIX.length, frame.indexOf('"', ACK_PREFIX.length)));
          },
          onClose: () => undefined,
        },
      ),
    );
  }
  return clients;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const started = performance.now();
  while (!condition() && performance.now() - started < timeoutMs) await sleep(5);
}

async function steady(server: ServerProcess, durationMs: number): Promise<NonNullable<HistoryTrial['steady']>> {
  const sentAt = new Map<string, number>();
  const histogram = new LatencyHistogram();
  const clients = await connectSenders(server.port, 0, (id) => {
    const at = sentAt.get(id);
    if (at === undefined) return;
    sentAt.delete(id);
    histogram.record(performance.now() - at);
  });
  const total = Math.round((STEADY_RATE * durationMs) / 1_000);
  const cpuBefore = processCpuMs(server.pid);
  const started = performance.now();
  await pace(STEADY_RATE, total, (k) => {
    const id = `s${k}`;
    sentAt.set(id, performance.now());
    clients[k % clients.length]!.sendChat(text(k), id);
  });
  await waitFor(() => sentAt.size === 0, ACK_DRAIN_MS);
  const share = (processCpuMs(server.pid) - cpuBefore) / (performance.now() - started);
  for (const client of clients) client.close();
  return { rate: STEADY_RATE, senders: SENDERS, sent: total, acked: histogram.count, latency: histogram.summary(), serverCpuShare: share };
}

async function saturate(server: ServerProcess, durationMs: number): Promise<NonNullable<HistoryTrial['max']>> {
  const sentAt = new Map<string, number>();
  const histogram = new LatencyHistogram();
  let next = 0;
  let acked = 0;
  let sending = true;
  let clients: BenchClient[] = [];
  const sendFrom = (client: BenchClient): void => {
    const id = `w${next}`;
    next += 1;
    sentAt.set(id, performance.now());
    client.sendChat(text(next), id);
  };
  // New names: the steady phase's members may not have left yet.
  clients = await connectSenders(server.port, SENDERS, (id) => {
    const at = sentAt.get(id);
    if (at === undefined) return;
    sentAt.delete(id);
    acked += 1;
    histogram.record(performance.now() - at);
    // Refill the window of whichever sender: each ack frees one slot.
    if (sending) sendFrom(clients[acked % clients.length]!);
  });
  const cpuBefore = processCpuMs(server.pid);
  const started = performance.now();
  for (const client of clients) for (let slot = 0; slot < WINDOW; slot += 1) sendFrom(client);
  await sleep(durationMs);
  sending = false;
  const elapsed = performance.now() - started;
  const ackedInWindow = acked;
  const share = (processCpuMs(server.pid) - cpuBefore) / elapsed;
  await waitFor(() => sentAt.size === 0, ACK_DRAIN_MS);
  for (const client of clients) client.close();
  return {
    senders: SENDERS,
    window: WINDOW,
    durationMs: elapsed,
    acked: ackedInWindow,
    ackedPerSec: (ackedInWindow * 1_000) / elapsed,
    latency: histogram.summary(),
    serverCpuShare: share,
  };
}

async function runTrial(storage: HistoryTrial['storage'], rep: number, quick: boolean): Promise<HistoryTrial> {
  const tempDir = mkdtempSync(join(tmpdir(), 'lanchat-append-'));
  const durations = quick ? DURATIONS.quick : DURATIONS.full;
  const trial: HistoryTrial = { storage, rep, ok: false };
  let server: ServerProcess | undefined;
  try {
    await waitForIdleMachine(durations.maxIdleWaitMs);
    const dataPath = storage === 'file' ? join(tempDir, 'history.sqlite') : ':memory:';
    server = await startServer('lanchat-server', ['--data', dataPath, '--max-clients', String(MAX_CLIENTS)]);
    trial.steady = await steady(server, durations.steadyMs);
    trial.max = await saturate(server, durations.maxMs);
    trial.ok = true;
  } catch (error) {
    trial.error = error instanceof Error ? error.message : String(error);
  } finally {
    await server?.stop();
    rmSync(tempDir, { recursive: true, force: true });
  }
  return trial;
}

/**
 * Runs the append benchmark, file and `:memory:` interleaved per repetition.
 * Expects the programs built (buildPrograms).
 *
 * @public
 */
export async function runHistoryAppendBench(options: HistoryBenchOptions): Promise<HistoryTrial[]> {
  const trials: HistoryTrial[] = [];
  for (let rep = 0; rep < options.reps; rep += 1) {
    for (const storage of ['file', 'memory'] as const) {
      const trial = await runTrial(storage, rep, options.quick);
      trials.push(trial);
      options.log(
        trial.ok
          ? `  append ${storage} rep ${rep + 1}: steady ${STEADY_RATE} msg/s ack p50/p99 ${trial.steady?.latency.p50.toFixed(2)}/${trial.steady?.latency.p99.toFixed(2)} ms · saturation ${Math.round(trial.max?.ackedPerSec ?? 0).toLocaleString('en-US')} committed msg/s (ack p99 ${trial.max?.latency.p99.toFixed(1)} ms)`
          : `  append ${storage} rep ${rep + 1}: FAILED ${trial.error}`,
      );
    }
  }
  return trials;
}

// Standalone: build, run, print the figures as JSON.
if (process.argv[1]?.endsWith('history-append.bench.ts')) {
  const quick = process.argv.includes('--quick');
  buildPrograms()
    .then(() => runHistoryAppendBench({ quick, reps: quick ? 1 : 3, log: console.log }))
    .then((trials) => console.log(JSON.stringify(trials, null, 2)))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
