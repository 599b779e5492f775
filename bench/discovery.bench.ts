/**
 * LAN discovery, timed: how long after a host starts it appears in other
 * apps' "On your network", and how long after it quits it disappears.
 * Issue 14's targets (≤ 3 s to appear, ≤ 10 s to disappear) are measured
 * here, never asserted as timings in tests.
 *
 * In a private test LAN (tests/lan-namespaces.ts: network namespaces on a
 * bridge of their own, so no multicast reaches a real network), a real
 * discovery browser (tests/fixtures/discovery-browser.ts, server/
 * discovery.ts) runs in node 0 for the whole run, and per repetition a real
 * CLI host (server/cli.ts, discovery on, room `standup`) is started twice
 * in node 1:
 * - **appear**: its "listening" line → the first browser line listing it
 *   with its rooms (read from `/rooms`);
 * - **clean stop**: SIGTERM → the first browser line without it (the host
 *   sends mDNS goodbyes);
 * - **crash**: SIGKILL → the same (no goodbye: the browser notices by
 *   failed `/rooms` polls).
 *
 * Every time is a `performance.now()` difference in this process, taken as
 * each output line arrives through its pipe (well under a millisecond,
 * against figures in seconds). Needs root and iproute2; without them the
 * result says "skipped" and why, and the rest of the bench runs on.
 *
 * Usage: node --import tsx bench/discovery.bench.ts [--quick] [--reps 5]
 *   (npm run bench runs it too and puts its figures in bench/results/latest.*)
 *
 * @public
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import type { DiscoveredHostRecord, DiscoveryBrowserStatus } from '../server/discovery';
import { createTestLan, type LanNode, type TestLan } from '../tests/lan-namespaces';

import type { DiscoveryResults, DiscoveryTrial } from './figures';
import { sleep } from './pace';
import { BENCH_DIR, machineBusyMs, waitForIdleMachine } from './processes';

const ROOT = join(BENCH_DIR, '..');
/** The room the host opens; "appear" waits until the browser lists it. */
const ROOM = 'standup';
/** Generous, for tsx transpiling the CLI on a busy machine: start-up is not what is measured. */
const START_TIMEOUT_MS = 60_000;
/** Beyond every target: a host not listed by then counts as a failed trial. */
const APPEAR_TIMEOUT_MS = 30_000;
const GONE_TIMEOUT_MS = 40_000;
/** A process that ignores SIGTERM this long is killed. */
const EXIT_TIMEOUT_MS = 10_000;
/** Before each host start, the longest wait for the machine's other work to calm down (processes.ts). */
const IDLE_WAIT_MS = { full: 4_000, quick: 1_500 };

/** Options of {@link runDiscoveryBench}. @public */
export interface DiscoveryBenchOptions {
  quick: boolean;
  /** Repetitions; each starts two hosts (one stopped cleanly, one killed). Default 5 (quick: 2). */
  reps?: number;
  log: (line: string) => void;
}

/** One output line and when it arrived. */
interface Line {
  at: number;
  text: string;
}

/** A child process whose stdout lines are kept with their arrival times. */
interface Watched {
  child: ChildProcess;
  /** Resolves with the first line (arrived at or after `since`) that matches; rejects on timeout or exit. */
  waitFor(predicate: (text: string) => boolean, timeoutMs: number, what: string, since?: number): Promise<Line>;
  /** Resolves once it exited (at once if it has). */
  exited(): Promise<void>;
  stderrTail(): string;
}

function watch(child: ChildProcess, name: string): Watched {
  const lines: Line[] = [];
  const wakers = new Set<() => void>();
  let buffered = '';
  let stderr = '';
  let exit: string | undefined;
  child.stdout?.on('data', (chunk: Buffer) => {
    // One clock reading per chunk: the lines in it arrived together.
    const at = performance.now();
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const text of parts) lines.push({ at, text });
    for (const wake of [...wakers]) wake();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2_000);
  });
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = signal === null ? `exit code ${code}` : signal;
      for (const wake of [...wakers]) wake();
      resolve();
    });
  });
  child.once('error', (error) => {
    exit = error.message;
    for (const wake of [...wakers]) wake();
  });
  return {
    child,
    waitFor(predicate, timeoutMs, what, since = 0) {
      return new Promise<Line>((resolve, reject) => {
        const done = (): void => {
          clearTimeout(timer);
          wakers.delete(check);
        };
        const check = (): void => {
          const found = lines.find((line) => line.at >= since && predicate(line.text));
          if (found !== undefined) {
            done();
            resolve(found);
          } else if (exit !== undefined) {
            done();
            reject(new Error(`${name} ended (${exit}) before ${what}${stderr === '' ? '' : `: ${stderr.trim().split('\n').at(-1)}`}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${what} within ${timeoutMs / 1_000} s`));
        }, timeoutMs);
        wakers.add(check);
        check();
      });
    },
    exited: () => exitedPromise,
    stderrTail: () => stderr,
  };
}

/** One line of the fixture browser's output. */
interface Snapshot {
  status: DiscoveryBrowserStatus;
  hosts: DiscoveredHostRecord[];
}

function parseSnapshot(text: string): Snapshot | undefined {
  try {
    return JSON.parse(text) as Snapshot;
  } catch {
    return undefined;
  }
}

function hostNamed(text: string, name: string): DiscoveredHostRecord | undefined {
  return parseSnapshot(text)?.hosts.find((host) => host.hostName === name);
}

/** Why this machine cannot run the benchmark, or undefined when it can. */
function unavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces are Linux only';
  if (process.getuid?.() !== 0) return 'needs root (it creates network namespaces)';
  try {
    execFileSync('ip', ['-V'], { stdio: 'pipe' });
  } catch {
    return 'iproute2 (`ip`) is not installed';
  }
  return undefined;
}

/** The CLI host as built (`npm run build`), or from source under tsx. */
function hostCommand(): string[] {
  const built = join(ROOT, 'dist', 'server', 'cli.js');
  return existsSync(built) ? [built] : ['--import', 'tsx', join(ROOT, 'server', 'cli.ts')];
}

/** Stops a process: `signal`, then SIGKILL if it has not exited in time. */
async function stop(target: Watched, signal: NodeJS.Signals): Promise<void> {
  if (target.child.exitCode !== null || target.child.signalCode !== null) return;
  target.child.kill(signal);
  const timer = setTimeout(() => target.child.kill('SIGKILL'), EXIT_TIMEOUT_MS);
  await target.exited();
  clearTimeout(timer);
}

interface Setting {
  node: LanNode;
  browser: Watched;
  command: string[];
  env: NodeJS.ProcessEnv;
  quick: boolean;
}

/** Starts one host, times its appearance, stops it as `how` says, times its disappearance. */
async function runTrial(setting: Setting, rep: number, how: DiscoveryTrial['stop']): Promise<DiscoveryTrial> {
  const trial: DiscoveryTrial = { rep, stop: how, ok: false };
  // A name of its own per host: the browser's lines are matched by it.
  const name = `bench-${rep + 1}-${how}`;
  await waitForIdleMachine(setting.quick ? IDLE_WAIT_MS.quick : IDLE_WAIT_MS.full);
  const busyBefore = machineBusyMs();
  const spawnedAt = performance.now();
  const { node, browser } = setting;
  const host = watch(
    spawn(
      'ip',
      [
        'netns',
        'exec',
        node.namespace,
        process.execPath,
        ...setting.command,
        '--host',
        node.address,
        '--port',
        '0',
        '--data',
        ':memory:',
        '--room',
        ROOM,
        '--host-name',
        name,
        '--log-level',
        'warn',
      ],
      { cwd: ROOT, env: setting.env, stdio: ['ignore', 'pipe', 'pipe'] },
    ),
    `host ${name}`,
  );
  try {
    const listening = await host.waitFor((text) => text.startsWith('LanChat host listening on'), START_TIMEOUT_MS, 'its "listening" line');
    trial.startMs = listening.at - spawnedAt;
    // The browser may list the host before its "announced" line is read: wait for all three at once.
    const [announced, listed, appeared] = await Promise.all([
      host.waitFor((text) => text.includes('announced on the LAN'), APPEAR_TIMEOUT_MS, 'announcement line').then((line) => {
        if (line.text.includes('not announced')) throw new Error(`host ${name}: ${line.text.trim()}`);
        return line;
      }),
      browser.waitFor((text) => hostNamed(text, name) !== undefined, APPEAR_TIMEOUT_MS, `browser line listing ${name}`, spawnedAt),
      browser.waitFor(
        (text) => hostNamed(text, name)?.rooms?.some((room) => room.name === ROOM) === true,
        APPEAR_TIMEOUT_MS,
        `browser line listing ${name} with room ${ROOM}`,
        spawnedAt,
      ),
    ]);
    trial.announceMs = announced.at - listening.at;
    trial.listedMs = listed.at - listening.at;
    trial.appearMs = appeared.at - listening.at;
    const signalledAt = performance.now();
    host.child.kill(how === 'clean' ? 'SIGTERM' : 'SIGKILL');
    const gone = await browser.waitFor((text) => parseSnapshot(text) !== undefined && hostNamed(text, name) === undefined, GONE_TIMEOUT_MS, `browser line without ${name}`, signalledAt);
    trial.goneMs = gone.at - signalledAt;
    trial.ok = true;
  } catch (error) {
    trial.error = error instanceof Error ? error.message : String(error);
  } finally {
    await stop(host, 'SIGKILL');
    trial.machineCores = (machineBusyMs() - busyBefore) / (performance.now() - spawnedAt);
  }
  return trial;
}

const seconds = (ms: number | undefined): string => (ms === undefined ? 'n/a' : `${(ms / 1_000).toFixed(2)} s`);

/**
 * Runs the LAN discovery benchmark: per repetition one host stopped with
 * SIGTERM, then one killed with SIGKILL. Never throws for a missing
 * capability: the result is `skipped` with the reason.
 *
 * @public
 */
export async function runDiscoveryBench(options: DiscoveryBenchOptions): Promise<DiscoveryResults> {
  const reps = options.reps ?? (options.quick ? 2 : 5);
  const why = unavailable();
  if (why !== undefined) return { skipped: why, trials: [] };
  const command = hostCommand();
  const results: DiscoveryResults = { hostCommand: `node ${command.map((part) => part.replace(`${ROOT}/`, '')).join(' ')}`, trials: [] };
  let lan: TestLan;
  try {
    lan = createTestLan('bd', 2);
  } catch (error) {
    return { skipped: `could not create the test LAN: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, trials: [] };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'lanchat-discovery-bench-'));
  // Nothing the processes write may land in the real ~/.config or ~/.local/share.
  const env: NodeJS.ProcessEnv = { ...process.env, LANCHAT_DISCOVERY: 'on', XDG_CONFIG_HOME: join(dataDir, 'config'), XDG_DATA_HOME: join(dataDir, 'data') };
  let browser: Watched | undefined;
  try {
    const [browserNode, hostNode] = lan.nodes as [LanNode, LanNode];
    browser = watch(
      spawn('ip', ['netns', 'exec', browserNode.namespace, process.execPath, '--import', 'tsx', join(ROOT, 'tests', 'fixtures', 'discovery-browser.ts')], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
      'the discovery browser',
    );
    await browser.waitFor((text) => parseSnapshot(text)?.status.state === 'running', START_TIMEOUT_MS, 'browser running');
    const setting: Setting = { node: hostNode, browser, command, env, quick: options.quick };
    for (let rep = 0; rep < reps; rep += 1) {
      for (const how of ['clean', 'crash'] as const) {
        const trial = await runTrial(setting, rep, how);
        results.trials.push(trial);
        options.log(
          trial.ok
            ? `  discovery rep ${rep + 1} ${how === 'clean' ? 'SIGTERM' : 'SIGKILL'}: start ${seconds(trial.startMs)} · listening → listed ${seconds(trial.listedMs)}, with rooms ${seconds(trial.appearMs)} · gone ${seconds(trial.goneMs)} after the signal · machine ${trial.machineCores?.toFixed(2)} cores`
            : `  discovery rep ${rep + 1} ${how}: FAILED ${trial.error}`,
        );
        await sleep(500);
      }
    }
  } catch (error) {
    // The browser did not start: every trial would fail the same way.
    results.skipped = `the discovery browser did not run: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    if (browser) await stop(browser, 'SIGTERM');
    lan.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return results;
}

// Standalone: run, print the trials as JSON.
if (process.argv[1]?.endsWith('discovery.bench.ts')) {
  const quick = process.argv.includes('--quick');
  const repsIndex = process.argv.indexOf('--reps');
  const reps = repsIndex === -1 ? undefined : Number(process.argv[repsIndex + 1]);
  runDiscoveryBench({ quick, reps, log: console.log })
    .then((results) => console.log(JSON.stringify(results, null, 2)))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
