/**
 * A pool's counters and latency figures, kept cheaply on the hot path: run
 * and wait times go into fixed rings of the most recent `SAMPLES` tasks, and
 * percentiles are computed only when `stats` is read.
 *
 * @module
 */
import type { PoolStats } from "./pool_options.ts";

const SAMPLES = 2048;

/** p50 and p99 of a latency, in milliseconds (`NaN` before any sample). */
export interface Percentiles {
  /** Median, ms. */
  p50: number;
  /** 99th percentile, ms. */
  p99: number;
}

class Ring {
  readonly #values = new Float64Array(SAMPLES);
  #count = 0;

  add(value: number): void {
    this.#values[this.#count++ % SAMPLES] = value;
  }

  percentiles(): Percentiles {
    const n = Math.min(this.#count, SAMPLES);
    if (n === 0) return { p50: NaN, p99: NaN };
    const sorted = this.#values.slice(0, n).sort();
    const at = (q: number) => sorted[Math.min(n - 1, Math.floor(q * n))]!;
    return { p50: at(0.5), p99: at(0.99) };
  }
}

/** Counters and samples of one pool. */
export class StatsRecorder {
  completed = 0;
  failed = 0;
  respawns = 0;
  #busyMs = 0;
  readonly #started = performance.now();
  readonly #run = new Ring();
  readonly #wait = new Ring();

  /** Records one task's wait (submit → start) and run time, in ms. */
  sample(waitMs: number, runMs: number): void {
    this.#wait.add(Math.max(0, waitMs));
    this.#run.add(runMs);
    this.#busyMs += runMs;
  }

  /** Run time percentiles of recent tasks. */
  runTime(): Percentiles {
    return this.#run.percentiles();
  }

  /** Wait time percentiles of recent tasks. */
  waitTime(): Percentiles {
    return this.#wait.percentiles();
  }

  /** Share of `processes` × elapsed time spent running tasks, 0…1. */
  utilization(processes: number): number {
    const elapsed = performance.now() - this.#started;
    if (elapsed <= 0) return 0;
    return Math.min(1, this.#busyMs / (elapsed * processes));
  }
}

/** What `pool.stats` reads from a dispatcher. */
export interface StatsSource {
  readonly stats: StatsRecorder;
  readonly queued: number;
  readonly running: number;
  readonly workers: number;
  readonly stuck: number;
}

/** The `pool.stats` snapshot of `d`, a pool of `processes`. */
export function poolStats(d: StatsSource, processes: number): PoolStats {
  return {
    completed: d.stats.completed,
    failed: d.stats.failed,
    queued: d.queued,
    running: d.running,
    workers: d.workers,
    respawns: d.stats.respawns,
    stuckWorkers: d.stuck,
    utilization: d.stats.utilization(processes),
    runTime: d.stats.runTime(),
    waitTime: d.stats.waitTime(),
  };
}
