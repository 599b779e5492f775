/**
 * The load generator: one process holding every client of a trial, driven
 * by the orchestrator (run.ts) over IPC. It opens clients, then runs
 * phases: a few senders post ~100-byte messages at a fixed rate, each
 * carrying its send time; every member counts deliveries and records their
 * latency.
 *
 * It is kept cheap so that it measures the server, not itself: plain `ws`
 * sockets (clients.ts), no JSON parsing of received frames (a scan for the
 * `#` marker), one clock (sender and receivers share this process), a
 * bucket histogram. Its own CPU share is reported with each phase, so a
 * result limited by the generator shows as such.
 *
 * Payload text: `#<phase>:<send time ms>:xxxx…`, 100 characters, only
 * characters that need no JSON escaping, and `#` appears nowhere else in
 * any stack's frames (ids are base64url, names `c<i>`).
 *
 * Usage: started by run.ts as `node bench/.build/load-generator.js '<json LoadGeneratorConfig>'`.
 *
 * @public
 */
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';

import { connectClient, type BenchClient } from './clients';
import { LatencyHistogram, type LatencySummary } from './histogram';
import { pace, sleep } from './pace';
import type { Envelope, Framing } from './stacks';

/** Command-line configuration: which server, which framing. @public */
export interface LoadGeneratorConfig {
  host: string;
  port: number;
  framing: Framing;
  envelope: Envelope;
  path: string;
  /** Connect with `wss://` (the stack's server serves TLS). */
  tls?: boolean;
}

/** Opens `count` more clients, `concurrency` handshakes at a time. @public */
export interface ConnectCommand {
  cmd: 'connect';
  count: number;
  concurrency: number;
  timeoutMs: number;
}

/** Runs one load phase. @public */
export interface RunCommand {
  cmd: 'run';
  /** Phase number, carried in every payload (> 0, unique per trial). */
  phase: number;
  /** Messages per second into the room, all senders together. */
  rate: number;
  durationMs: number;
  /** The first `senders` open clients send, round robin. */
  senders: number;
  /**
   * Also record each message's first delivery (light load only: one Set
   * entry per message). Its latency is what the server spends before the
   * broadcast starts; the rest of a delivery's latency is its place in the
   * fan-out.
   */
  firstDelivery?: boolean;
  /** After the last send, how long deliveries may still arrive and count. */
  drainMs: number;
  /** Then wait until no frame has arrived for this long (the server's backlog is gone)… */
  quietMs: number;
  /** …but no longer than this. */
  maxQuietWaitMs: number;
}

/** Waits until no frame has arrived for `quietMs` (at most `maxWaitMs`). @public */
export interface QuietCommand {
  cmd: 'quiet';
  quietMs: number;
  maxWaitMs: number;
}

/** Closes every client and exits. @public */
export interface CloseCommand {
  cmd: 'close';
}

/** Any command. @public */
export type LoadGeneratorCommand = ConnectCommand | RunCommand | QuietCommand | CloseCommand;

/** Result of {@link ConnectCommand}. @public */
export interface ConnectResult {
  /** Open clients in total after this command. */
  open: number;
  connected: number;
  failed: number;
  firstError?: string;
  wallMs: number;
}

/** Result of {@link RunCommand}. @public */
export interface RunResult {
  phase: number;
  rate: number;
  sent: number;
  /** Members when the phase started: each message should reach every one of them. */
  recipients: number;
  expected: number;
  /** Deliveries by the end of the drain time (what pass/fail uses). */
  delivered: number;
  /** Deliveries when the command returned (after the quiet wait): what CPU per delivery divides by. */
  deliveredTotal: number;
  latency: LatencySummary;
  /** Latency of each message's first delivery, when the command asked for it. */
  firstDelivery?: LatencySummary;
  /** From the first send to the last. */
  sendWallMs: number;
  /** From the first send to the end of the drain (or the last expected delivery). */
  wallMs: number;
  /** This process's CPU time over `wallMs`. */
  generatorCpuMs: number;
  /** Clients closed by the server during the phase, by close code. */
  closedDuringPhase: Record<string, number>;
  /** Frames that were LanChat errors (for example CHAT_ERR_RATE_LIMITED), with the first one. */
  errorFrames: number;
  firstErrorFrame?: string;
}

/** Result of {@link QuietCommand}. @public */
export interface QuietResult {
  waitedMs: number;
}

/** Length of every payload text. */
const PAYLOAD_CHARS = 100;
/**
 * LanChat clients ping every 15 s, as the real ones do; a slice of them
 * every 100 ms. Real clients' timers start at their own connect times, so
 * their pings come spread out; a slice of 1/15 of the room each second
 * (67 pings at once at N = 1000) held up whatever fan-out it met, in the
 * host and in this generator.
 */
const PING_SLICES = 150;
const PING_SLICE_MS = 100;
/** Polling interval while waiting for deliveries or quiet. */
const WAIT_POLL_MS = 10;
/** Code the summary uses for clients closed without a known code. */
const UNKNOWN_CLOSE = 0;

const COLON = ':';

function payload(phase: number, sentAt: number): string {
  const head = `#${phase}:${sentAt.toFixed(3)}:`;
  return head + 'x'.repeat(Math.max(0, PAYLOAD_CHARS - head.length));
}

/** The phase being measured. */
interface ActivePhase {
  id: number;
  delivered: number;
  histogram: LatencyHistogram;
  /** Set at the end of the drain: deliveries after it do not count towards pass/fail. */
  deliveredAtCutoff: number | undefined;
  /** With {@link RunCommand.firstDelivery}: the send times already seen once, and their first deliveries' latency. */
  firstSeen?: Set<string>;
  firstHistogram?: LatencyHistogram;
}

const config = JSON.parse(process.argv[2] ?? '{}') as LoadGeneratorConfig;
const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
const clients: BenchClient[] = [];
let active: ActivePhase | undefined;
let lastFrameAt = performance.now();
let closedDuringPhase = new Map<number, number>();
let errorFrames = 0;
let firstErrorFrame: string | undefined;

/**
 * Counts the payloads of the active phase in one frame and records their
 * latency. One clock read per frame; no JSON parsing.
 */
function onData(frame: string): void {
  const now = performance.now();
  lastFrameAt = now;
  const phase = active;
  if (phase === undefined) return;
  let at = frame.indexOf('#');
  if (at === -1) {
    if (frame.includes('CHAT_ERR_')) {
      errorFrames += 1;
      firstErrorFrame ??= frame.slice(0, 300);
    }
    return;
  }
  while (at !== -1) {
    const phaseEnd = frame.indexOf(COLON, at + 1);
    const timeEnd = phaseEnd === -1 ? -1 : frame.indexOf(COLON, phaseEnd + 1);
    if (timeEnd === -1) return;
    if (Number(frame.slice(at + 1, phaseEnd)) === phase.id) {
      phase.delivered += 1;
      const sentAt = frame.slice(phaseEnd + 1, timeEnd);
      const latency = now - Number(sentAt);
      phase.histogram.record(latency);
      if (phase.firstSeen !== undefined && !phase.firstSeen.has(sentAt)) {
        phase.firstSeen.add(sentAt);
        phase.firstHistogram?.record(latency);
      }
    }
    at = frame.indexOf('#', timeEnd);
  }
}

function onClose(code: number): void {
  if (active === undefined) return;
  closedDuringPhase.set(code, (closedDuringPhase.get(code) ?? 0) + 1);
}

function openClients(): BenchClient[] {
  return clients.filter((client) => client.isOpen);
}

async function connect(command: ConnectCommand): Promise<ConnectResult> {
  const started = performance.now();
  const first = clients.length;
  let next = first;
  let connected = 0;
  let failed = 0;
  let firstError: string | undefined;
  const worker = async (): Promise<void> => {
    while (next < first + command.count) {
      const index = next;
      next += 1;
      try {
        const client = await connectClient(
          { ...config, index, connectTimeoutMs: command.timeoutMs, agent },
          { onData, onClose },
        );
        clients.push(client);
        connected += 1;
      } catch (error) {
        failed += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, command.concurrency) }, worker));
  // Keep report order stable: clients sorted by index (they finish out of order).
  clients.sort((a, b) => a.index - b.index);
  return { open: openClients().length, connected, failed, firstError, wallMs: performance.now() - started };
}

async function waitQuiet(quietMs: number, maxWaitMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - lastFrameAt < quietMs && performance.now() - started < maxWaitMs) {
    await sleep(WAIT_POLL_MS);
  }
  return performance.now() - started;
}

async function run(command: RunCommand): Promise<RunResult> {
  const members = openClients();
  const senders = members.slice(0, Math.max(1, Math.min(command.senders, members.length)));
  const total = Math.max(1, Math.round((command.rate * command.durationMs) / 1_000));
  const phase: ActivePhase = { id: command.phase, delivered: 0, histogram: new LatencyHistogram(), deliveredAtCutoff: undefined };
  if (command.firstDelivery === true) {
    phase.firstSeen = new Set();
    phase.firstHistogram = new LatencyHistogram();
  }
  closedDuringPhase = new Map();
  errorFrames = 0;
  firstErrorFrame = undefined;
  active = phase;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();

  await pace(command.rate, total, (k) => {
    senders[k % senders.length]!.sendChat(payload(command.phase, performance.now()), `m${command.phase}-${k}`);
  });
  const sent = total;
  const sendEnded = performance.now();
  const expected = sent * members.length;
  while (phase.delivered < expected && performance.now() - sendEnded < command.drainMs) await sleep(WAIT_POLL_MS);
  phase.deliveredAtCutoff = phase.delivered;
  const ended = performance.now();
  const cpu = process.cpuUsage(cpuBefore);
  const latency = phase.histogram.summary();
  await waitQuiet(command.quietMs, command.maxQuietWaitMs);
  active = undefined;
  return {
    phase: command.phase,
    rate: command.rate,
    sent,
    recipients: members.length,
    expected,
    delivered: phase.deliveredAtCutoff,
    deliveredTotal: phase.delivered,
    latency,
    firstDelivery: phase.firstHistogram?.summary(),
    sendWallMs: sendEnded - started,
    wallMs: ended - started,
    generatorCpuMs: (cpu.user + cpu.system) / 1_000,
    closedDuringPhase: Object.fromEntries([...closedDuringPhase].map(([code, count]) => [String(code || UNKNOWN_CLOSE), count])),
    errorFrames,
    firstErrorFrame,
  };
}

// LanChat clients must show they are alive within the host's idle timeout.
if (config.envelope === 'lanchat') {
  let slice = 0;
  setInterval(() => {
    for (const client of clients) if (client.index % PING_SLICES === slice) client.ping();
    slice = (slice + 1) % PING_SLICES;
  }, PING_SLICE_MS).unref();
}

process.on('message', (message: { id: number; command: LoadGeneratorCommand }) => {
  const { id, command } = message;
  const reply = (result: unknown): void => {
    process.send?.({ id, result });
  };
  const failWith = (error: unknown): void => {
    process.send?.({ id, error: error instanceof Error ? error.stack : String(error) });
  };
  switch (command.cmd) {
    case 'connect':
      connect(command).then(reply, failWith);
      break;
    case 'run':
      run(command).then(reply, failWith);
      break;
    case 'quiet':
      waitQuiet(command.quietMs, command.maxWaitMs).then((waitedMs) => reply({ waitedMs } satisfies QuietResult), failWith);
      break;
    case 'close':
      for (const client of clients) client.close();
      agent.destroy();
      reply({});
      setTimeout(() => process.exit(0), 50);
      break;
  }
});
// The orchestrator is gone: nothing left to do.
process.on('disconnect', () => process.exit(0));
