/**
 * From trials to figures: per-stack spreads at each N (leaving out
 * measurements disturbed by other load where undisturbed ones exist),
 * ratios to the bare ws ceiling, and the issue's targets (measured, never
 * asserted).
 *
 * @public
 */
import {
  BACKGROUND_LIMIT_CORES,
  spread,
  type BenchResults,
  type DiscoveryResults,
  type DiscoverySummary,
  type DiscoveryTrial,
  type HistoryTrial,
  type PhaseFigures,
  type Spread,
  type StackSummary,
  type TargetCheck,
  type TrialResult,
} from './figures';
import { STACK_IDS, type StackId } from './stacks';

/** The stack every ratio is taken against. */
export const CEILING: StackId = 'bare-ws';

/** Targets from the issue. Update bench/README.md too when they change. */
const TARGET_CPU_RAW = 1.15;
/** LanChat /ws over TLS: server CPU per delivery at most this times plain /ws's (issue 15). */
const TARGET_CPU_TLS_VS_PLAIN = 1.5;
const TARGET_CPU_SOCKJS = 1.4;
const TARGET_RSS_RAW_BYTES = 15_000;
const TARGET_RSS_SOCKJS_BYTES = 20_000;
const TARGET_LIGHT_P99 = 1.2;
/** LAN discovery (issue 14): listed in other apps within 3 s of starting, gone within 10 s of quitting. */
const TARGET_DISCOVERY_APPEAR_MS = 3_000;
const TARGET_DISCOVERY_GONE_MS = 10_000;

/** Figures summarised per stack and N. */
type Figure =
  | 'cpuUsPerDelivery'
  | 'maxRate'
  | 'maxDeliveriesPerSec'
  | 'lightP50'
  | 'lightP99'
  | 'lightFirstP50'
  | 'rssPerConnection'
  | 'heapPerConnection'
  | 'backgroundCores';

const FIGURES: Figure[] = [
  'cpuUsPerDelivery',
  'maxRate',
  'maxDeliveriesPerSec',
  'lightP50',
  'lightP99',
  'lightFirstP50',
  'rssPerConnection',
  'heapPerConnection',
  'backgroundCores',
];

function undisturbed(phase: PhaseFigures | undefined): boolean {
  return phase !== undefined && phase.backgroundCores <= BACKGROUND_LIMIT_CORES;
}

/**
 * Whether the phases a figure comes from ran without much other load. The
 * max rate comes from the best passing step and the failing step above it;
 * memory readings are per process and are not disturbed by other work.
 */
function isUndisturbed(trial: TrialResult, figure: Figure): boolean {
  switch (figure) {
    case 'cpuUsPerDelivery':
      return undisturbed(trial.cpu);
    case 'lightP50':
    case 'lightP99':
    case 'lightFirstP50':
      return undisturbed(trial.light);
    case 'maxRate':
    case 'maxDeliveriesPerSec': {
      const steps = trial.search?.steps ?? [];
      const best = trial.search?.maxRate ?? 0;
      const passing = steps.find((step) => step.pass && step.rate === best);
      const failing = steps.filter((step) => !step.pass && step.rate > best).sort((a, b) => a.rate - b.rate)[0];
      return [passing, failing].every((step) => step === undefined || undisturbed(step));
    }
    default:
      return true;
  }
}

function figureOf(trial: TrialResult, figure: Figure): number | undefined {
  if (!trial.ok) return undefined;
  switch (figure) {
    case 'cpuUsPerDelivery':
      return trial.cpu?.serverCpuUsPerDelivery;
    case 'maxDeliveriesPerSec':
      return trial.search?.maxDeliveriesPerSec;
    case 'maxRate':
      return trial.search?.maxRate;
    case 'lightP50':
      return trial.light?.latency.p50;
    case 'lightP99':
      return trial.light?.latency.p99;
    case 'lightFirstP50':
      return trial.light?.firstDelivery?.p50;
    case 'rssPerConnection':
      return trial.memory?.rssPerConnection;
    case 'heapPerConnection':
      return trial.memory?.heapPerConnection;
    case 'backgroundCores':
      return trial.backgroundCores;
  }
}

/** The spread of a figure over undisturbed trials, or over all of them when none was undisturbed. */
function figureSpread(trials: TrialResult[], figure: Figure): { spread: Spread | undefined; disturbed: boolean; leftOut: number } {
  const all = trials.filter((trial) => figureOf(trial, figure) !== undefined);
  const clean = all.filter((trial) => isUndisturbed(trial, figure));
  const chosen = clean.length > 0 ? clean : all;
  return {
    spread: spread(chosen.map((trial) => figureOf(trial, figure))),
    disturbed: all.length > 0 && clean.length === 0,
    leftOut: all.length - chosen.length,
  };
}

function ratioOf(mine: Spread | undefined, ceiling: Spread | undefined): number | undefined {
  return mine === undefined || ceiling === undefined || ceiling.median === 0 ? undefined : mine.median / ceiling.median;
}

/**
 * Per-stack statistics at each N, in report order. Trials run beside more
 * than {@link BACKGROUND_LIMIT_CORES} of other load are left out of a
 * figure when undisturbed trials of it exist; ratios are medians over the
 * ceiling's median at the same N (trials are interleaved, so both saw the
 * same machine).
 *
 * @public
 */
export function summariseTrials(trials: TrialResult[]): StackSummary[] {
  const ns = [...new Set(trials.map((trial) => trial.n))].sort((a, b) => a - b);
  const rows: StackSummary[] = [];
  for (const n of ns) {
    const summaryOf = (stack: StackId): StackSummary | undefined => {
      const mine = trials.filter((trial) => trial.n === n && trial.stack === stack);
      if (mine.length === 0) return undefined;
      const row: StackSummary = {
        stack,
        n,
        trials: mine.length,
        failedTrials: mine.filter((trial) => !trial.ok).length,
        limitedBy: mine.flatMap((trial) => (trial.search ? [trial.search.limitedBy] : [])),
        disturbed: [],
        leftOut: {},
      };
      for (const figure of FIGURES) {
        const result = figureSpread(mine, figure);
        row[figure] = result.spread;
        if (result.disturbed) row.disturbed.push(figure);
        if (result.leftOut > 0) row.leftOut[figure] = result.leftOut;
      }
      return row;
    };
    const ceiling = summaryOf(CEILING);
    for (const stack of STACK_IDS) {
      const row = stack === CEILING ? ceiling : summaryOf(stack);
      if (!row) continue;
      if (ceiling) {
        row.ratio = {
          cpuUsPerDelivery: ratioOf(row.cpuUsPerDelivery, ceiling.cpuUsPerDelivery),
          maxDeliveriesPerSec: ratioOf(row.maxDeliveriesPerSec, ceiling.maxDeliveriesPerSec),
          lightP99: ratioOf(row.lightP99, ceiling.lightP99),
          rssPerConnection: ratioOf(row.rssPerConnection, ceiling.rssPerConnection),
        };
      }
      rows.push(row);
    }
  }
  return rows;
}

/** Steady and saturation figures of the append path, per storage mode. @public */
export function summariseHistory(trials: HistoryTrial[]): BenchResults['historySummary'] {
  return (['file', 'memory'] as const)
    .map((storage) => {
      const mine = trials.filter((trial) => trial.storage === storage && trial.ok);
      return {
        storage,
        steadyP50: spread(mine.map((trial) => trial.steady?.latency.p50)),
        steadyP99: spread(mine.map((trial) => trial.steady?.latency.p99)),
        ackedPerSec: spread(mine.map((trial) => trial.max?.ackedPerSec)),
        maxP99: spread(mine.map((trial) => trial.max?.latency.p99)),
      };
    })
    .filter((row) => trials.some((trial) => trial.storage === row.storage));
}

/**
 * Spreads of the discovery figures over every trial that measured them (a
 * trial that failed when stopping the host still measured its appearance).
 *
 * @public
 */
export function summariseDiscovery(discovery: DiscoveryResults): DiscoverySummary {
  const of = (figure: keyof DiscoveryTrial & `${string}Ms`, stop?: DiscoveryTrial['stop']) =>
    spread(discovery.trials.filter((trial) => stop === undefined || trial.stop === stop).map((trial) => trial[figure]));
  return {
    trials: discovery.trials.length,
    failedTrials: discovery.trials.filter((trial) => !trial.ok).length,
    startMs: of('startMs'),
    announceMs: of('announceMs'),
    listedMs: of('listedMs'),
    appearMs: of('appearMs'),
    cleanGoneMs: of('goneMs', 'clean'),
    crashGoneMs: of('goneMs', 'crash'),
  };
}

/**
 * The discovery targets. Unlike the fan-out targets, each must hold every
 * time (a host that shows up late once is late for whoever looked then):
 * met when no trial failed and the slowest measurement is within the
 * target. A trial that did not get as far as the figure counts as a
 * failure of it.
 */
function checkDiscoveryTargets(discovery: DiscoveryResults): TargetCheck[] {
  const rows: Array<{ what: string; limitMs: number; figure: (trial: DiscoveryTrial) => number | undefined; stop?: DiscoveryTrial['stop'] }> = [
    { what: 'LAN discovery: appear (host listening → listed with its rooms)', limitMs: TARGET_DISCOVERY_APPEAR_MS, figure: (trial) => trial.appearMs },
    { what: 'LAN discovery: gone after a clean stop (SIGTERM → dropped)', limitMs: TARGET_DISCOVERY_GONE_MS, figure: (trial) => trial.goneMs, stop: 'clean' },
    { what: 'LAN discovery: gone after a crash (SIGKILL → dropped)', limitMs: TARGET_DISCOVERY_GONE_MS, figure: (trial) => trial.goneMs, stop: 'crash' },
  ];
  return rows.map(({ what, limitMs, figure, stop }) => {
    const target = `≤ ${limitMs / 1_000} s, every time`;
    if (discovery.skipped !== undefined) return { what, target, measured: 'n/a', met: undefined, inconclusive: `skipped: ${discovery.skipped}` };
    const mine = discovery.trials.filter((trial) => stop === undefined || trial.stop === stop);
    const failed = mine.filter((trial) => figure(trial) === undefined).length;
    const values = spread(mine.map(figure));
    const seconds = (ms: number): string => (ms / 1_000).toFixed(3);
    const measured =
      values === undefined
        ? 'n/a'
        : `${seconds(values.median)} s${values.values.length > 1 ? ` [${seconds(values.min)}–${seconds(values.max)}]` : ''} over ${values.values.length}`;
    return {
      what,
      target,
      measured: failed > 0 ? `${measured}; ${failed} of ${mine.length} failed` : measured,
      met: values === undefined ? (failed > 0 ? false : undefined) : failed === 0 && values.max <= limitMs,
    };
  });
}

function fmt(value: number | undefined, digits = 2): string {
  return value === undefined ? 'n/a' : value.toFixed(digits);
}

/**
 * The issue's targets: fan-out at the largest N measured (1000 in a full
 * run), from medians, then LAN discovery when it ran (every repetition
 * within the target). `met` is undefined when a figure is missing.
 *
 * @public
 */
export function checkTargets(summary: StackSummary[], discovery?: DiscoveryResults): TargetCheck[] {
  return [...checkFanOutTargets(summary), ...(discovery === undefined ? [] : checkDiscoveryTargets(discovery))];
}

function checkFanOutTargets(summary: StackSummary[]): TargetCheck[] {
  const largest = Math.max(...summary.filter((row) => row.stack === 'lanchat-ws' || row.stack === 'lanchat-sockjs').map((row) => row.n));
  if (!Number.isFinite(largest)) return [];
  const row = (stack: StackId): StackSummary | undefined => summary.find((entry) => entry.stack === stack && entry.n === largest);
  const raw = row('lanchat-ws');
  const sock = row('lanchat-sockjs');
  const plain = row('sockjs-plain');
  const socketIo = row('socketio');
  const checks: TargetCheck[] = [];
  const within = (what: string, value: number | undefined, limit: number, unit: string, digits = 2): void => {
    checks.push({
      what: `${what} (N = ${largest})`,
      target: `≤ ${limit}${unit}`,
      measured: `${fmt(value, digits)}${unit}`,
      met: value === undefined ? undefined : value <= limit,
    });
  };
  within('LanChat /ws: server CPU per delivery vs ceiling', raw?.ratio?.cpuUsPerDelivery, TARGET_CPU_RAW, '×');
  const overTls = row('lanchat-wss');
  if (overTls !== undefined) {
    const tlsCpu = overTls.cpuUsPerDelivery?.median;
    const plainCpu = raw?.cpuUsPerDelivery?.median;
    within('LanChat /ws over TLS: server CPU per delivery vs plain /ws', tlsCpu === undefined || !plainCpu ? undefined : tlsCpu / plainCpu, TARGET_CPU_TLS_VS_PLAIN, '×');
  }
  within('LanChat SockJS websocket: server CPU per delivery vs ceiling', sock?.ratio?.cpuUsPerDelivery, TARGET_CPU_SOCKJS, '×');
  const sockCpu = sock?.cpuUsPerDelivery?.median;
  for (const [peer, label] of [
    [plain, 'plain sockjs'],
    [socketIo, 'Socket.IO'],
  ] as const) {
    const peerCpu = peer?.cpuUsPerDelivery?.median;
    checks.push({
      what: `LanChat SockJS websocket CPU per delivery lower than ${label} (N = ${largest})`,
      target: `< ${fmt(peerCpu)} µs`,
      measured: `${fmt(sockCpu)} µs`,
      met: sockCpu === undefined || peerCpu === undefined ? undefined : sockCpu < peerCpu,
    });
  }
  const kb = (bytes: number | undefined): number | undefined => (bytes === undefined ? undefined : bytes / 1_000);
  const memory = (what: string, spread: Spread | undefined, limitBytes: number): void => {
    within(what, kb(spread?.median), limitBytes / 1_000, ' kB', 1);
    // A connection cannot cost less than nothing: a reading ≤ 0 means the
    // process's RSS drifted by more than N connections use (bench/README.md).
    if (spread !== undefined && spread.min <= 0) {
      const check = checks.at(-1)!;
      check.measured += ` [${fmt(kb(spread.min), 1)}–${fmt(kb(spread.max), 1)}]`;
      check.met = undefined;
      check.inconclusive = 'a reading ≤ 0: RSS drift larger than the connections';
    }
  };
  memory('LanChat /ws: RSS per idle connection', raw?.rssPerConnection, TARGET_RSS_RAW_BYTES);
  memory('LanChat SockJS websocket: RSS per idle connection', sock?.rssPerConnection, TARGET_RSS_SOCKJS_BYTES);
  within('LanChat /ws: light-load p99 vs ceiling', raw?.ratio?.lightP99, TARGET_LIGHT_P99, '×');
  within('LanChat SockJS websocket: light-load p99 vs ceiling', sock?.ratio?.lightP99, TARGET_LIGHT_P99, '×');
  return checks;
}
