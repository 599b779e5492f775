/**
 * The fan-out benchmark, side by side with the peers: starts each stack's
 * server as its own process on 127.0.0.1 (core 0), drives it from a
 * separate load-generator process (core 1) with N clients in one room, and
 * measures, per stack and N, repeated and interleaved across stacks:
 *
 * - server CPU time per delivered message at a reference load;
 * - the highest message rate with p99 < 100 ms and ≥ 99.9 % delivered;
 * - p50/p99 latency at a light fixed load;
 * - server memory (RSS and heap) per idle joined connection;
 *
 * then the append path (history-append.bench.ts) and LAN discovery
 * (discovery.bench.ts: appear and disappear times in a private test LAN;
 * needs root and iproute2, else reported as skipped), and writes
 * bench/results/latest.{json,md,svg} (a --quick run: quick.*; --profile:
 * profile.* and the .cpuprofile files). Methodology: bench/README.md.
 *
 * Usage: node --import tsx bench/run.ts [options]   (npm run bench / npm run bench:quick)
 *   --quick           N = 100, one repetition, short phases (< 2 minutes)
 *   --stacks a,b,...  stacks by letter or id (default: all; see stacks.ts)
 *   --n 100,500       N values (default 100,500,1000; quick: 100)
 *   --xhr-n 100       N values for the xhr-streaming stack (default 100)
 *   --reps 3          repetitions (default 3; quick: 1)
 *   --no-history      skip the append-path benchmark
 *   --no-discovery    skip the LAN discovery benchmark
 *   --discovery-reps 5  its repetitions (default 5; quick: 2), two host starts each
 *   --profile         instead: profile bare ws and the LanChat stacks (V8 CPU profiler, load window only) at each --n and summarise the hot functions
 *   --out <dir>       results directory (default bench/results)
 *
 * @public
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { BACKGROUND_LIMIT_CORES, type BenchResults, type PhaseFigures, type SearchFigures, type SearchLimit, type TrialResult } from './figures';
import { runDiscoveryBench } from './discovery.bench';
import { runHistoryAppendBench } from './history-append.bench';
import type { ConnectResult, RunResult } from './load-generator';
import { sleep } from './pace';
import { profileStacks } from './profile';
import {
  BENCH_DIR,
  buildPrograms,
  canPin,
  hasProc,
  machineBusyMs,
  MEMORY_READING_MALLOC_ENV,
  processCpuMs,
  startGenerator,
  startServer,
  waitForIdleMachine,
  type GeneratorProcess,
  type ServerProcess,
} from './processes';
import type { MemoryReading } from './servers/harness';
import { writeReport } from './report';
import { STACK_IDS, STACKS, parseStacks, type StackId, type StackSpec } from './stacks';
import { checkTargets, summariseDiscovery, summariseHistory, summariseTrials } from './summarise';

/** Everything on 127.0.0.1 only. */
export const HOST = '127.0.0.1';

/** Clients that send (the first ones to join); every client receives. */
export const SENDERS = 5;
/** Clients connected (and sending a few messages) before the memory baseline, so JIT and pools are warm. */
const WARM_CLIENTS = 10;
const WARM_RATE = 100;
const WARM_MS = 1_000;
/** The light fixed load for latency: messages/s into the room. */
const LIGHT_RATE = 10;
/**
 * The reference load for CPU per delivery, in deliveries/s (msg/s = this /
 * N): about a third to half of a core for the slower stacks here, so every
 * stack is measured unsaturated.
 */
const CPU_REFERENCE_DELIVERIES = 20_000;
/** Throughput criteria of the step search. */
const PASS_P99_MS = 100;
const PASS_DELIVERED = 0.999;
/** Step search: factor between rates until the first failure, then bisection down to this ratio. */
const SEARCH_GROWTH = 1.5;
const SEARCH_PRECISION = 1.15;
/** First rate of the search, as a share of what the CPU phase says one core could carry. */
const SEARCH_START_SHARE = 0.6;
/** A generator using this share of its core may be what limits a step. */
const GENERATOR_SATURATED = 0.9;
/** Room and connection limit headroom above N for LanChat. */
const CONNECTION_HEADROOM = 20;
const CONNECT_CONCURRENCY = 50;
const CONNECT_TIMEOUT_MS = 30_000;
/** After a phase, wait for this long without frames (the server's backlog is gone), at most the max. */
const QUIET_MS = 200;
const MAX_QUIET_WAIT_MS = 8_000;
/** Length of the profiled load window (run.ts --profile). */
const PROFILE_MS = 8_000;
const PROFILE_QUICK_MS = 3_000;
/** Slack for IPC answers beyond a phase's own duration. */
const REQUEST_SLACK_MS = 30_000;
/**
 * Memory readings (each after a full GC) are repeated this often until RSS
 * stays within the tolerance for a few readings in a row: after activity,
 * memory freed by V8's background threads (WebAssembly tier-up of
 * node-sqlite3-wasm, for one) goes back to the system over a few seconds,
 * moving RSS by megabytes.
 */
const MEMORY_SETTLE_INTERVAL_MS = 500;
const MEMORY_SETTLE_TOLERANCE_BYTES = 128 * 1024;

/** Phase lengths per mode. */
interface Timing {
  lightMs: number;
  cpuMs: number;
  stepMs: number;
  maxSteps: number;
  drainMs: number;
  settleMs: number;
  /** Before a trial, the longest wait for the machine's other work to calm down (processes.ts). */
  maxIdleWaitMs: number;
  /** Memory readings in a row within the tolerance that count as settled, and the most readings taken. */
  memorySteadyReadings: number;
  memoryMaxReadings: number;
  /**
   * Idle time before each memory reading. "Per idle connection" means idle:
   * a burst of N joins (each with its welcome: history and member list)
   * makes V8 grow its young generation, and V8 gives that back only after
   * some idle seconds (its memory reducer). Without this wait LanChat's RSS
   * per connection flipped between ~11 and ~31 kB (/ws) and ~21 and ~42 kB
   * (SockJS) from one run to the next, depending on whether that had
   * happened yet; every stack waits the same. The memory figures come from
   * a server process of their own: after V8 has shrunk its heap while idle,
   * the allocation-heavy stacks paid up to 60 % more CPU per delivery for
   * the rest of the process's life (Socket.IO 14 → 23 µs at N = 1000), so
   * the speed phases run in a fresh process.
   */
  memoryIdleMs: number;
  /** How often a phase run beside too much other load is run again, and the wait for a quieter machine first. */
  phaseRetries: number;
  retryIdleWaitMs: number;
}

const TIMINGS: Record<'full' | 'quick', Timing> = {
  full: {
    lightMs: 10_000,
    cpuMs: 5_000,
    stepMs: 1_500,
    maxSteps: 5,
    drainMs: 1_000,
    settleMs: 300,
    maxIdleWaitMs: 4_000,
    phaseRetries: 1,
    retryIdleWaitMs: 3_000,
    memorySteadyReadings: 3,
    memoryMaxReadings: 10,
    memoryIdleMs: 10_000,
  },
  quick: {
    lightMs: 2_000,
    cpuMs: 1_500,
    stepMs: 1_000,
    maxSteps: 5,
    drainMs: 750,
    settleMs: 300,
    maxIdleWaitMs: 1_500,
    phaseRetries: 0,
    retryIdleWaitMs: 0,
    memorySteadyReadings: 2,
    memoryMaxReadings: 5,
    memoryIdleMs: 1_000,
  },
};

/** What one invocation runs. */
interface Plan {
  mode: 'full' | 'quick';
  stacks: StackId[];
  ns: number[];
  xhrNs: number[];
  reps: number;
  history: boolean;
  discovery: boolean;
  /** Undefined: discovery.bench.ts's default. */
  discoveryReps: number | undefined;
  profile: boolean;
  outDir: string;
  timing: Timing;
}

function parseNumbers(flag: string, value: string | undefined): number[] {
  const numbers = (value ?? '').split(',').filter(Boolean).map(Number);
  if (numbers.length === 0 || numbers.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`${flag} wants a comma-separated list of positive integers, got "${value}"`);
  }
  return numbers;
}

function parsePlan(argv: string[]): Plan {
  const quick = argv.includes('--quick');
  const value = (flag: string): string | undefined => {
    const index = argv.indexOf(flag);
    return index === -1 ? undefined : argv[index + 1];
  };
  const known = new Set(['--quick', '--stacks', '--n', '--xhr-n', '--reps', '--no-history', '--no-discovery', '--discovery-reps', '--profile', '--out']);
  argv.forEach((arg, index) => {
    const previous = argv[index - 1];
    const isValue = previous !== undefined && known.has(previous) && !['--quick', '--no-history', '--no-discovery', '--profile'].includes(previous);
    if (!isValue && !known.has(arg)) throw new Error(`unknown argument "${arg}" (see the header of bench/run.ts)`);
  });
  const mode = quick ? 'quick' : 'full';
  return {
    mode,
    stacks: value('--stacks') === undefined ? [...STACK_IDS] : parseStacks(value('--stacks')!),
    ns: value('--n') === undefined ? (quick ? [100] : [100, 500, 1_000]) : parseNumbers('--n', value('--n')),
    xhrNs: value('--xhr-n') === undefined ? [100] : parseNumbers('--xhr-n', value('--xhr-n')),
    reps: value('--reps') === undefined ? (quick ? 1 : 3) : parseNumbers('--reps', value('--reps'))[0]!,
    history: !argv.includes('--no-history'),
    discovery: !argv.includes('--no-discovery'),
    discoveryReps: value('--discovery-reps') === undefined ? undefined : parseNumbers('--discovery-reps', value('--discovery-reps'))[0]!,
    profile: argv.includes('--profile'),
    outDir: value('--out') ?? join(BENCH_DIR, 'results'),
    timing: TIMINGS[mode],
  };
}

/** Runs one load phase and reads the server's CPU time around it. */
async function runPhase(
  server: ServerProcess,
  generator: GeneratorProcess,
  phase: number,
  rate: number,
  durationMs: number,
  timing: Timing,
  firstDelivery = false,
): Promise<PhaseFigures> {
  const cpuBefore = processCpuMs(server.pid);
  const generatorBefore = processCpuMs(generator.pid);
  const machineBefore = machineBusyMs();
  const started = performance.now();
  const result = await generator.request<RunResult>(
    {
      cmd: 'run',
      phase,
      rate,
      durationMs,
      senders: SENDERS,
      firstDelivery,
      drainMs: timing.drainMs,
      quietMs: QUIET_MS,
      maxQuietWaitMs: MAX_QUIET_WAIT_MS,
    },
    durationMs + timing.drainMs + MAX_QUIET_WAIT_MS + REQUEST_SLACK_MS,
  );
  const wallMs = performance.now() - started;
  const serverCpuMs = processCpuMs(server.pid) - cpuBefore;
  const otherMs = machineBusyMs() - machineBefore - serverCpuMs - (processCpuMs(generator.pid) - generatorBefore);
  const deliveredRatio = result.expected === 0 ? 0 : result.delivered / result.expected;
  const closedCount = Object.values(result.closedDuringPhase).reduce((sum, count) => sum + count, 0);
  return {
    rate,
    sent: result.sent,
    expected: result.expected,
    delivered: result.delivered,
    deliveredRatio,
    latency: result.latency,
    firstDelivery: result.firstDelivery,
    serverCpuMs,
    serverCpuUsPerDelivery: result.deliveredTotal === 0 ? Number.NaN : (serverCpuMs * 1_000) / result.deliveredTotal,
    serverCpuShare: serverCpuMs / wallMs,
    generatorCpuShare: result.generatorCpuMs / result.wallMs,
    backgroundCores: Math.max(0, otherMs / wallMs),
    wallMs: result.wallMs,
    closed: result.closedDuringPhase,
    errorFrames: result.errorFrames,
    firstErrorFrame: result.firstErrorFrame,
    pass: deliveredRatio >= PASS_DELIVERED && result.latency.p99 < PASS_P99_MS && closedCount === 0,
    retries: 0,
  };
}

/**
 * {@link runPhase}, again (at most `Timing.phaseRetries` times, after a
 * bounded wait for a quieter machine) when other processes took more than
 * {@link BACKGROUND_LIMIT_CORES} meanwhile: the machine may be shared. The
 * last attempt counts either way; the summary leaves disturbed phases out
 * where undisturbed ones exist.
 */
async function measurePhase(
  server: ServerProcess,
  generator: GeneratorProcess,
  nextPhase: () => number,
  rate: number,
  durationMs: number,
  timing: Timing,
  firstDelivery = false,
): Promise<PhaseFigures> {
  let figures = await runPhase(server, generator, nextPhase(), rate, durationMs, timing, firstDelivery);
  for (let retry = 1; retry <= timing.phaseRetries && figures.backgroundCores > BACKGROUND_LIMIT_CORES; retry += 1) {
    // A phase that cut clients off changed the room: it cannot be repeated like for like.
    if (Object.keys(figures.closed).length > 0) break;
    await waitForIdleMachine(timing.retryIdleWaitMs);
    figures = { ...(await runPhase(server, generator, nextPhase(), rate, durationMs, timing, firstDelivery)), retries: retry };
  }
  return figures;
}

/**
 * Finds the highest passing rate: grows by {@link SEARCH_GROWTH} from a
 * start estimated from CPU per delivery until a step fails (or shrinks
 * until one passes), then bisects geometrically; at most `maxSteps` steps.
 */
async function searchMaxRate(
  server: ServerProcess,
  generator: GeneratorProcess,
  n: number,
  cpuUsPerDelivery: number,
  nextPhase: () => number,
  timing: Timing,
): Promise<SearchFigures> {
  const steps: PhaseFigures[] = [];
  const capacity = Number.isFinite(cpuUsPerDelivery) && cpuUsPerDelivery > 0 ? 1e6 / cpuUsPerDelivery : 1e5;
  let rate = Math.max(1, (SEARCH_START_SHARE * capacity) / n);
  let passed: PhaseFigures | undefined;
  let failed: PhaseFigures | undefined;
  let limitedBy: SearchLimit = 'steps-exhausted';
  for (let step = 0; step < timing.maxSteps; step += 1) {
    const figures = await measurePhase(server, generator, nextPhase, rate, timing.stepMs, timing);
    steps.push(figures);
    if (Object.keys(figures.closed).length > 0) {
      limitedBy = 'clients-cut-off';
      break;
    }
    if (figures.pass && (passed === undefined || figures.rate > passed.rate)) passed = figures;
    if (!figures.pass && (failed === undefined || figures.rate < failed.rate)) failed = figures;
    if (passed && failed) {
      if (failed.rate / passed.rate <= SEARCH_PRECISION) break;
      rate = Math.sqrt(passed.rate * failed.rate);
    } else if (passed) {
      rate *= SEARCH_GROWTH;
    } else {
      rate /= SEARCH_GROWTH;
    }
  }
  if (limitedBy !== 'clients-cut-off') {
    if (!passed) limitedBy = 'none-passed';
    else if (failed) limitedBy = failed.generatorCpuShare >= GENERATOR_SATURATED && failed.serverCpuShare < GENERATOR_SATURATED ? 'generator' : 'server';
  }
  const maxRate = passed?.rate ?? 0;
  return { steps, maxRate, maxDeliveriesPerSec: maxRate * n, limitedBy };
}

/** One (stack, N, repetition): fresh server, fresh generator, every figure. */
async function runTrial(spec: StackSpec, n: number, rep: number, plan: Plan): Promise<TrialResult> {
  const started = performance.now();
  const tempDir = mkdtempSync(join(tmpdir(), 'lanchat-bench-'));
  const trial: TrialResult = { stack: spec.id, n, rep, ok: false, wallMs: 0 };
  let server: ServerProcess | undefined;
  let generator: GeneratorProcess | undefined;
  let phase = 0;
  const nextPhase = (): number => {
    phase += 1;
    return phase;
  };
  const { timing } = plan;
  trial.idleWait = await waitForIdleMachine(timing.maxIdleWaitMs);
  const settledMemory = async (): Promise<MemoryReading> => {
    await sleep(timing.memoryIdleMs);
    let previous = await server!.memory();
    let steady = 0;
    for (let reading = 1; reading < timing.memoryMaxReadings && steady < timing.memorySteadyReadings; reading += 1) {
      await sleep(MEMORY_SETTLE_INTERVAL_MS);
      const next = await server!.memory();
      steady = Math.abs(next.rss - previous.rss) <= MEMORY_SETTLE_TOLERANCE_BYTES ? steady + 1 : 0;
      previous = next;
    }
    return previous;
  };
  /** Starts a fresh server process (LanChat: with a fresh history file) and its load generator. */
  let processes = 0;
  const open = async (env: NodeJS.ProcessEnv = {}): Promise<{ connect: (count: number) => Promise<ConnectResult>; quiet: () => Promise<unknown> }> => {
    processes += 1;
    const dataPath = join(tempDir, `history-${processes}.sqlite`);
    const args = spec.server === 'lanchat-server' ? ['--data', dataPath, '--max-clients', String(n + CONNECTION_HEADROOM)] : [];
    if (spec.tls) args.push('--tls');
    server = await startServer(spec.server, args, env);
    generator = startGenerator({ host: HOST, port: server.port, framing: spec.framing, envelope: spec.envelope, path: spec.path, tls: spec.tls });
    return {
      connect: (count) =>
        generator!.request<ConnectResult>(
          { cmd: 'connect', count, concurrency: CONNECT_CONCURRENCY, timeoutMs: CONNECT_TIMEOUT_MS },
          CONNECT_TIMEOUT_MS + REQUEST_SLACK_MS + count * 10,
        ),
      quiet: () => generator!.request({ cmd: 'quiet', quietMs: QUIET_MS, maxWaitMs: MAX_QUIET_WAIT_MS }, MAX_QUIET_WAIT_MS + REQUEST_SLACK_MS),
    };
  };
  const close = async (): Promise<void> => {
    await generator?.stop();
    await server?.stop();
    generator = undefined;
    server = undefined;
  };
  const warm = Math.min(WARM_CLIENTS, n);
  try {
    // 1. Memory, in a server process of its own (see Timing.memoryIdleMs:
    //    the idle waits would change the CPU figures of what follows).
    let stack = await open(MEMORY_READING_MALLOC_ENV);
    const first = await stack.connect(warm);
    if (first.failed > 0) throw new Error(`warm-up clients failed: ${first.firstError}`);
    await runPhase(server!, generator!, nextPhase(), WARM_RATE, WARM_MS, timing);
    const base = await settledMemory();
    const connectStarted = performance.now();
    const rest = await stack.connect(n - warm);
    trial.connect = { wallMs: performance.now() - connectStarted, failed: rest.failed, firstError: rest.firstError };
    if (rest.failed > 0) throw new Error(`${rest.failed} of ${n - warm} clients failed: ${rest.firstError}`);
    await stack.quiet();
    await sleep(timing.settleMs);
    const loaded = await settledMemory();
    const added = n - warm;
    trial.memory = {
      base,
      loaded,
      added,
      rssPerConnection: added > 0 ? (loaded.rss - base.rss) / added : Number.NaN,
      heapPerConnection: added > 0 ? (loaded.heapUsed - base.heapUsed) / added : Number.NaN,
    };
    await close();

    // 2. Speed, in a fresh server process that is never left idle for long.
    stack = await open();
    const all = await stack.connect(n);
    if (all.failed > 0) throw new Error(`${all.failed} of ${n} clients failed: ${all.firstError}`);
    await stack.quiet();
    // Collect the garbage of the connection burst now (a memory reading
    // runs two full GCs), so no stack's speed figures pay for its connect
    // phase; LanChat's joins leave the most (welcome, history, presence).
    await server!.memory();
    await runPhase(server!, generator!, nextPhase(), CPU_REFERENCE_DELIVERIES / n, WARM_MS, timing);
    await stack.quiet();
    trial.light = await measurePhase(server!, generator!, nextPhase, LIGHT_RATE, timing.lightMs, timing, true);
    trial.cpu = await measurePhase(server!, generator!, nextPhase, CPU_REFERENCE_DELIVERIES / n, timing.cpuMs, timing);
    trial.search = await searchMaxRate(server!, generator!, n, trial.cpu.serverCpuUsPerDelivery, nextPhase, timing);
    trial.ok = true;
  } catch (error) {
    trial.error = error instanceof Error ? error.message : String(error);
    if (server) trial.error += `\n${server.stderrTail()}`;
  } finally {
    await close();
    rmSync(tempDir, { recursive: true, force: true });
    trial.wallMs = performance.now() - started;
  }
  const phases = [trial.light, trial.cpu, ...(trial.search?.steps ?? [])].filter((entry) => entry !== undefined);
  const phaseWall = phases.reduce((sum, entry) => sum + entry.wallMs, 0);
  if (phaseWall > 0) trial.backgroundCores = phases.reduce((sum, entry) => sum + entry.backgroundCores * entry.wallMs, 0) / phaseWall;
  return trial;
}

function describeTrial(trial: TrialResult): string {
  if (!trial.ok) return `FAILED: ${trial.error?.split('\n')[0]}`;
  const cpu = trial.cpu?.serverCpuUsPerDelivery.toFixed(2);
  const max = Math.round(trial.search?.maxDeliveriesPerSec ?? 0).toLocaleString('en-US');
  const light = `${trial.light?.latency.p50.toFixed(2)}/${trial.light?.latency.p99.toFixed(2)} ms (1st delivery p50 ${trial.light?.firstDelivery?.p50.toFixed(2)} ms)`;
  const rss = ((trial.memory?.rssPerConnection ?? Number.NaN) / 1_000).toFixed(1);
  const other = (trial.backgroundCores ?? 0).toFixed(2);
  return `cpu ${cpu} µs/delivery · max ${max} deliveries/s (${trial.search?.limitedBy}) · light p50/p99 ${light} · rss ${rss} kB/conn · other load ${other} cores`;
}

/** The (stack, N) pairs of one repetition, rotated per repetition so no stack always runs first. */
function trialOrder(plan: Plan, rep: number): Array<{ spec: StackSpec; n: number }> {
  const order: Array<{ spec: StackSpec; n: number }> = [];
  const ns = [...new Set([...plan.ns, ...plan.xhrNs])].sort((a, b) => a - b);
  for (const n of ns) {
    const stacks = plan.stacks.filter((id) => (STACKS[id].smallNOnly ? plan.xhrNs : plan.ns).includes(n));
    const shift = stacks.length === 0 ? 0 : rep % stacks.length;
    for (const id of [...stacks.slice(shift), ...stacks.slice(0, shift)]) order.push({ spec: STACKS[id], n });
  }
  return order;
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(BENCH_DIR, '..', 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function shell(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function environment(plan: Plan): Record<string, unknown> {
  return {
    date: new Date().toISOString(),
    mode: plan.mode,
    command: `node --import tsx bench/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    pinned: canPin() ? 'server on core 0, load generator on core 1 (taskset)' : 'no (taskset unavailable or one core)',
    fdLimit: shell('sh', ['-c', 'ulimit -n']),
    tmpFilesystem: shell('sh', ['-c', `df -T ${tmpdir()} | tail -1 | awk '{print $2}'`]),
    git: `${shell('git', ['-C', BENCH_DIR, 'rev-parse', '--short', 'HEAD'])}${shell('git', ['-C', BENCH_DIR, 'status', '--porcelain', '--', '../server']) === '' ? '' : ' (server/ has uncommitted changes)'}`,
    packages: { ws: packageVersion('ws'), 'socket.io': packageVersion('socket.io'), sockjs: packageVersion('sockjs'), 'node-sqlite3-wasm': packageVersion('node-sqlite3-wasm') },
    stacks: plan.stacks,
    ns: plan.ns,
    xhrNs: plan.xhrNs,
    reps: plan.reps,
    load: {
      senders: SENDERS,
      payloadChars: 100,
      warmClients: WARM_CLIENTS,
      lightRate: LIGHT_RATE,
      cpuReferenceDeliveriesPerSec: CPU_REFERENCE_DELIVERIES,
      passP99Ms: PASS_P99_MS,
      passDelivered: PASS_DELIVERED,
      timing: plan.timing,
    },
  };
}

async function main(): Promise<void> {
  const plan = parsePlan(process.argv.slice(2));
  if (!hasProc()) throw new Error('the benchmark reads server CPU time from /proc: Linux only');
  const fdLimit = Number(shell('sh', ['-c', 'ulimit -n']));
  const largest = Math.max(...plan.ns, ...plan.xhrNs);
  if (Number.isFinite(fdLimit) && fdLimit < largest * 2 + 100) {
    console.warn(`warning: ulimit -n is ${fdLimit}; ${largest} clients need about ${largest * 2 + 100} descriptors (raise it with ulimit -n)`);
  }
  mkdirSync(plan.outDir, { recursive: true });
  const runStarted = performance.now();
  console.log('building the measured programs (esbuild)…');
  await buildPrograms();

  const results: BenchResults = {
    meta: environment(plan),
    trials: [],
    summary: [],
    history: [],
    historySummary: [],
    targets: [],
    profiles: [],
  };

  if (plan.profile) {
    const stacks = plan.stacks.filter((id) => id.startsWith('lanchat') || id === 'bare-ws');
    for (const n of plan.ns) {
      results.profiles.push(
        ...(await profileStacks(stacks, n, plan.outDir, {
          host: HOST,
          senders: SENDERS,
          deliveriesPerSec: CPU_REFERENCE_DELIVERIES,
          durationMs: plan.mode === 'quick' ? PROFILE_QUICK_MS : PROFILE_MS,
        })),
      );
    }
  } else {
    const total = plan.reps * trialOrder(plan, 0).length;
    let done = 0;
    for (let rep = 0; rep < plan.reps; rep += 1) {
      for (const { spec, n } of trialOrder(plan, rep)) {
        const trial = await runTrial(spec, n, rep, plan);
        done += 1;
        results.trials.push(trial);
        console.log(`[${done}/${total}] rep ${rep + 1} N=${n} ${spec.id}: ${describeTrial(trial)} (${(trial.wallMs / 1_000).toFixed(1)} s)`);
      }
    }
    results.summary = summariseTrials(results.trials);
    if (plan.history) {
      console.log('append path (history-append.bench.ts)…');
      results.history = await runHistoryAppendBench({ quick: plan.mode === 'quick', reps: plan.mode === 'quick' ? 1 : plan.reps, log: console.log });
      results.historySummary = summariseHistory(results.history);
    }
    if (plan.discovery) {
      console.log('LAN discovery (discovery.bench.ts)…');
      results.discovery = await runDiscoveryBench({ quick: plan.mode === 'quick', reps: plan.discoveryReps, log: console.log });
      if (results.discovery.skipped !== undefined) console.log(`  skipped: ${results.discovery.skipped}`);
      results.discoverySummary = summariseDiscovery(results.discovery);
    }
    results.targets = checkTargets(results.summary, results.discovery);
  }
  results.meta.wallSeconds = Math.round((performance.now() - runStarted) / 1_000);
  // A smoke run does not overwrite the figures of the last full run.
  const written = writeReport(results, plan.outDir, plan.profile ? 'profile' : plan.mode === 'quick' ? 'quick' : 'latest');
  console.log(`done in ${results.meta.wallSeconds} s; wrote ${written.join(', ')}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
