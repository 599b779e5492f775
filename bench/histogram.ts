/**
 * A fixed-bucket latency histogram: recording is one array increment, so the
 * load generator can record every delivery without measuring itself.
 * Resolution: 10 µs up to 10 ms, 1 ms up to 1 s, 100 ms up to 60 s.
 *
 * @public
 */

const FINE_LIMIT_MS = 10;
const FINE_STEP_MS = 0.01;
const MID_LIMIT_MS = 1_000;
const MID_STEP_MS = 1;
const COARSE_LIMIT_MS = 60_000;
const COARSE_STEP_MS = 100;

const FINE_BUCKETS = Math.round(FINE_LIMIT_MS / FINE_STEP_MS);
const MID_BUCKETS = Math.round((MID_LIMIT_MS - FINE_LIMIT_MS) / MID_STEP_MS);
const COARSE_BUCKETS = Math.round((COARSE_LIMIT_MS - MID_LIMIT_MS) / COARSE_STEP_MS);
/** Buckets, the last one holding everything at or over 60 s. */
const BUCKETS = FINE_BUCKETS + MID_BUCKETS + COARSE_BUCKETS + 1;

function bucketOf(ms: number): number {
  if (ms < FINE_LIMIT_MS) return ms <= 0 ? 0 : Math.floor(ms / FINE_STEP_MS);
  if (ms < MID_LIMIT_MS) return FINE_BUCKETS + Math.floor((ms - FINE_LIMIT_MS) / MID_STEP_MS);
  if (ms < COARSE_LIMIT_MS) return FINE_BUCKETS + MID_BUCKETS + Math.floor((ms - MID_LIMIT_MS) / COARSE_STEP_MS);
  return BUCKETS - 1;
}

/** Upper edge of a bucket in ms (a percentile reads as "at most this"). */
function upperEdge(bucket: number): number {
  if (bucket < FINE_BUCKETS) return (bucket + 1) * FINE_STEP_MS;
  if (bucket < FINE_BUCKETS + MID_BUCKETS) return FINE_LIMIT_MS + (bucket - FINE_BUCKETS + 1) * MID_STEP_MS;
  if (bucket < BUCKETS - 1) return MID_LIMIT_MS + (bucket - FINE_BUCKETS - MID_BUCKETS + 1) * COARSE_STEP_MS;
  return Number.POSITIVE_INFINITY;
}

/** Percentiles of one histogram, in ms. @public */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** A latency histogram in milliseconds. @public */
export class LatencyHistogram {
  readonly #counts = new Uint32Array(BUCKETS);
  #count = 0;
  #sum = 0;
  #max = 0;

  /** Records one latency in ms. */
  record(ms: number): void {
    this.#counts[bucketOf(ms)]! += 1;
    this.#count += 1;
    this.#sum += ms;
    if (ms > this.#max) this.#max = ms;
  }

  /** Recorded values. */
  get count(): number {
    return this.#count;
  }

  /** The value at or under which `fraction` (0–1) of the recorded values lie. */
  percentile(fraction: number): number {
    if (this.#count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(fraction * this.#count));
    let seen = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket += 1) {
      seen += this.#counts[bucket]!;
      if (seen >= rank) return Math.min(upperEdge(bucket), this.#max);
    }
    return this.#max;
  }

  /** The usual percentiles. */
  summary(): LatencySummary {
    return {
      count: this.#count,
      p50: this.percentile(0.5),
      p90: this.percentile(0.9),
      p99: this.percentile(0.99),
      p999: this.percentile(0.999),
      max: this.#max,
      mean: this.#count === 0 ? Number.NaN : this.#sum / this.#count,
    };
  }
}
