/**
 * The shape of bench/results/latest.json and the statistics over repeated
 * trials: what run.ts writes and report.ts reads. Update bench/README.md's
 * "Results" section too when a field changes meaning.
 *
 * @public
 */
import type { LatencySummary } from './histogram';
import type { MemoryReading } from './servers/harness';
import type { StackId } from './stacks';

/**
 * Other processes' CPU (in cores) above which a phase counts as disturbed:
 * run.ts runs it again, and the summary leaves it out when undisturbed
 * measurements of the same figure exist. Update bench/README.md too.
 *
 * @public
 */
export const BACKGROUND_LIMIT_CORES = 0.35;

/** Spread of repeated measurements. @public */
export interface Spread {
  values: number[];
  min: number;
  median: number;
  max: number;
}

/** One load phase as the orchestrator saw it. @public */
export interface PhaseFigures {
  /** Messages per second into the room. */
  rate: number;
  sent: number;
  expected: number;
  delivered: number;
  deliveredRatio: number;
  latency: LatencySummary;
  /** Light phase only: latency of each message's first delivery (what the server spends before its broadcast starts). */
  firstDelivery?: LatencySummary;
  /** Server user+sys CPU over the phase (from /proc/<pid>/stat). */
  serverCpuMs: number;
  /** Server CPU µs per delivered message (deliveries counted until the server went quiet). */
  serverCpuUsPerDelivery: number;
  /** Server CPU time / wall time of the phase (1 = its core was busy throughout). */
  serverCpuShare: number;
  /** Load generator CPU time / wall time (near 1: the generator, not the server, may be the limit). */
  generatorCpuShare: number;
  /**
   * CPU the rest of the machine used meanwhile, in cores (other processes;
   * on a shared machine they compete with the server and the generator).
   */
  backgroundCores: number;
  wallMs: number;
  /** Clients the server closed during the phase, by close code. */
  closed: Record<string, number>;
  errorFrames: number;
  firstErrorFrame?: string;
  /** How often it was run again because other processes took more than 0.35 cores meanwhile. */
  retries: number;
  /** Whether it met the throughput criteria (p99 < 100 ms, ≥ 99.9 % delivered, nobody cut off). */
  pass: boolean;
}

/** Why the step search stopped where it did. @public */
export type SearchLimit = 'server' | 'generator' | 'clients-cut-off' | 'steps-exhausted' | 'none-passed';

/** The max-rate step search of one trial. @public */
export interface SearchFigures {
  steps: PhaseFigures[];
  /** Highest passing rate, messages/s into the room (0 if none passed). */
  maxRate: number;
  /** The same as deliveries/s (rate × members). */
  maxDeliveriesPerSec: number;
  /** Who ran out at the first failing rate above it. */
  limitedBy: SearchLimit;
}

/** One (stack, N, repetition) trial. @public */
export interface TrialResult {
  stack: StackId;
  n: number;
  rep: number;
  ok: boolean;
  error?: string;
  wallMs: number;
  /** The wait for a quiet machine before the trial, and the other load when it started. */
  idleWait?: { waitedMs: number; busyCores: number };
  /** Other processes' CPU during the measured phases, in cores (wall-weighted mean). */
  backgroundCores?: number;
  connect?: { wallMs: number; failed: number; firstError?: string };
  memory?: {
    /** With the warm-up clients only. */
    base: MemoryReading;
    /** With all N clients joined and idle. */
    loaded: MemoryReading;
    /** Clients added between the two readings. */
    added: number;
    rssPerConnection: number;
    heapPerConnection: number;
  };
  light?: PhaseFigures;
  cpu?: PhaseFigures;
  search?: SearchFigures;
}

/** The append path's figures for one storage mode and repetition. @public */
export interface HistoryTrial {
  storage: 'file' | 'memory';
  rep: number;
  ok: boolean;
  error?: string;
  /** Steady load: send→ack latency. */
  steady?: { rate: number; senders: number; sent: number; acked: number; latency: LatencySummary; serverCpuShare: number };
  /** Saturation: committed (acknowledged) messages per second with a window of unacknowledged sends per sender. */
  max?: { senders: number; window: number; durationMs: number; acked: number; ackedPerSec: number; latency: LatencySummary; serverCpuShare: number };
}

/**
 * One host start and stop of the LAN discovery benchmark
 * (discovery.bench.ts). Times are `performance.now()` differences in the
 * bench process, taken as each line of the host's or the browser's output
 * arrived. @public
 */
export interface DiscoveryTrial {
  rep: number;
  /** How the host quit: `clean` = SIGTERM (it sends mDNS goodbyes), `crash` = SIGKILL (it sends nothing). */
  stop: 'clean' | 'crash';
  ok: boolean;
  error?: string;
  /** Process spawned → its "listening" line (start-up: under tsx mostly transpiling). */
  startMs?: number;
  /** "listening" line → its "announced on the LAN" line (name probing, first announcement). */
  announceMs?: number;
  /** "listening" line → the first browser line that lists it (its rooms may not be read yet). */
  listedMs?: number;
  /** "listening" line → the first browser line that lists it with its rooms: the *appear* figure. */
  appearMs?: number;
  /** Signal sent → the first browser line without it: the *gone* figure. */
  goneMs?: number;
  /** The whole machine's busy CPU over the trial, in cores (the host's own start-up included). */
  machineCores?: number;
}

/** What the LAN discovery benchmark produced. @public */
export interface DiscoveryResults {
  /** Why nothing was measured (not root, no `ip`, namespaces refused…); then `trials` is empty. */
  skipped?: string;
  /** How the host was started, e.g. `node --import tsx server/cli.ts`. */
  hostCommand?: string;
  trials: DiscoveryTrial[];
}

/** Spreads of the discovery figures over the trials that measured them. @public */
export interface DiscoverySummary {
  trials: number;
  failedTrials: number;
  /** Over every host start (clean and crash trials). */
  startMs?: Spread;
  announceMs?: Spread;
  listedMs?: Spread;
  appearMs?: Spread;
  cleanGoneMs?: Spread;
  crashGoneMs?: Spread;
}

/** Per-stack statistics at one N. @public */
export interface StackSummary {
  stack: StackId;
  n: number;
  trials: number;
  failedTrials: number;
  cpuUsPerDelivery?: Spread;
  maxRate?: Spread;
  maxDeliveriesPerSec?: Spread;
  lightP50?: Spread;
  lightP99?: Spread;
  /** Median over a trial's messages of their first delivery's latency, at light load. */
  lightFirstP50?: Spread;
  rssPerConnection?: Spread;
  heapPerConnection?: Spread;
  /** Other processes' CPU during the trials, in cores. */
  backgroundCores?: Spread;
  /** Ratios of medians to the bare-ws ceiling's medians at the same N. */
  ratio?: {
    cpuUsPerDelivery?: number;
    maxDeliveriesPerSec?: number;
    lightP99?: number;
    rssPerConnection?: number;
  };
  /**
   * Figures with no undisturbed measurement (every one ran beside more than
   * {@link BACKGROUND_LIMIT_CORES} of other load): their spread uses them all.
   */
  disturbed: string[];
  /** Measurements left out of the spreads for background load, per figure. */
  leftOut: Record<string, number>;
  /** How the step searches ended. */
  limitedBy: SearchLimit[];
}

/** A target from the issue, measured, not asserted. @public */
export interface TargetCheck {
  what: string;
  target: string;
  measured: string;
  met: boolean | undefined;
  /** Why the measurement cannot settle the target (then `met` is undefined). */
  inconclusive?: string;
}

/** Profile summary of one stack (run.ts --profile). @public */
export interface ProfileSummary {
  stack: StackId;
  n: number;
  rate: number;
  durationMs: number;
  file: string;
  totalMs: number;
  /** Self time by function, highest first. */
  functions: Array<{ name: string; location: string; selfMs: number; share: number }>;
  /** Self time by origin: a package, a server/ file, node internals, GC… */
  origins: Array<{ origin: string; selfMs: number; share: number }>;
}

/** Everything a run produced. @public */
export interface BenchResults {
  meta: Record<string, unknown>;
  trials: TrialResult[];
  summary: StackSummary[];
  history: HistoryTrial[];
  historySummary: Array<{ storage: 'file' | 'memory'; steadyP50?: Spread; steadyP99?: Spread; ackedPerSec?: Spread; maxP99?: Spread }>;
  targets: TargetCheck[];
  profiles: ProfileSummary[];
  /** LAN discovery (absent with --no-discovery and in results written before it existed). */
  discovery?: DiscoveryResults;
  discoverySummary?: DiscoverySummary;
}

/** Median, min and max of the finite values (undefined when there are none). @public */
export function spread(values: Array<number | undefined>): Spread | undefined {
  const finite = values.filter((value): value is number => value !== undefined && Number.isFinite(value));
  if (finite.length === 0) return undefined;
  const sorted = [...finite].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { values: finite, min: sorted[0]!, median, max: sorted[sorted.length - 1]! };
}
