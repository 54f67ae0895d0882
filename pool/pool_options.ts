/**
 * The options of `new Pool()` and of its calls, and the shape of
 * `pool.stats`.
 *
 * @module
 */
import type { Backend } from "./backend.ts";
import type { Permissions } from "./permissions.ts";
import type { TaskFunction } from "./process.ts";

/**
 * What a call of task function `F` resolves with: its awaited return type.
 *
 * @example
 * ```ts
 * import type { TaskResult } from "@mp/multiprocessing/pool";
 *
 * async function later(x: number): Promise<string> {
 *   return String(x);
 * }
 * const value: TaskResult<typeof later> = "1"; // string, not Promise<string>
 * void value;
 * ```
 */
export type TaskResult<F extends TaskFunction> = Awaited<ReturnType<F>>;

/**
 * The items `map` and `imap` take: any `Iterable` or `AsyncIterable`.
 *
 * @example
 * ```ts
 * import type { MapItems } from "@mp/multiprocessing/pool";
 *
 * async function* numbers() {
 *   yield 1;
 * }
 * const a: MapItems<number> = [1, 2];
 * const b: MapItems<number> = numbers();
 * void a, b;
 * ```
 */
export type MapItems<T> = Iterable<T> | AsyncIterable<T>;

/**
 * Options of `new Pool()`.
 *
 * @example A pool with an initializer and recycled workers
 * ```ts
 * import { Pool, type PoolOptions } from "@mp/multiprocessing/pool";
 * import assert from "node:assert/strict";
 *
 * const options: PoolOptions = {
 *   processes: 2,
 *   maxTasksPerChild: 10,
 *   module: new URL("../tests/fixtures/pool_tasks.ts", import.meta.url),
 * };
 * await using pool = new Pool(options);
 * assert.equal(await pool.apply("add", [2, 3]), 5);
 * ```
 */
export interface PoolOptions {
  /** How many workers at most. Default `navigator.hardwareConcurrency`. */
  processes?: number;
  /** Where the workers run. Default `"worker"`. */
  backend?: Backend;
  /**
   * What the workers may do (never more than the parent). Default: not
   * passed (a worker inherits the parent's permissions). On the `"worker"`
   * backend this needs `"unstable": ["worker-options"]` in deno.json or
   * `--unstable-worker-options`, or Deno ends the whole process (exit 70).
   */
  permissions?: Permissions;
  /**
   * Each worker's V8 heap limit in MiB (`--v8-flags=--max-old-space-size`),
   * `"subprocess"` backend only: a worker that runs out of memory ends, its
   * task rejects with `WorkerExitError`, and the pool replaces it. Default:
   * V8's limit.
   */
  memoryLimitMb?: number;
  /** The module that exports the task functions. Default `Deno.mainModule`. */
  module?: string | URL;
  /**
   * Runs once in each worker before its first task, with `initargs`: a
   * function exported by `module`, or its export name. Default: none. A
   * worker whose initializer throws is replaced with back-off; after 3
   * failures in a row with no worker started, queued tasks fail.
   */
  initializer?: TaskFunction | string;
  /** Arguments of `initializer`. Default `[]`. */
  initargs?: unknown[];
  /**
   * Tasks a worker runs before it is replaced by a fresh one (a map chunk
   * counts as one task). Default `Infinity`.
   */
  maxTasksPerChild?: number;
  /**
   * Milliseconds a task may run before it rejects with a `TimeoutError`: its
   * `currentTask()` signal aborts and its worker is retired and replaced.
   * Default `Infinity`.
   */
  taskTimeout?: number;
  /** Workers started at once and kept when idle. Default `processes`. */
  minProcesses?: number;
  /**
   * Milliseconds after which an idle worker above `minProcesses` exits.
   * Default `10_000`.
   */
  idleTimeout?: number;
  /**
   * Tasks that may wait beyond one running per worker: past that, `apply`
   * and `applyAsync` reject with `PoolFullError`, `map` and `imap` wait for
   * room. Default `Infinity`.
   */
  maxQueue?: number;
}

/**
 * Options of `Pool.apply()`.
 *
 * @example Give up on a call
 * ```ts
 * import { Pool } from "@mp/multiprocessing/pool";
 * import assert from "node:assert/strict";
 *
 * await using pool = new Pool({
 *   processes: 1,
 *   module: new URL("../tests/fixtures/pool_tasks.ts", import.meta.url),
 * });
 * await assert.rejects(pool.apply("sleep", [60_000], { timeout: 20 }), {
 *   name: "TimeoutError",
 * });
 * ```
 */
export interface ApplyOptions {
  /**
   * Cancels the call: it rejects with `signal.reason`, a task not started
   * yet never runs, a running one's `currentTask()` signal aborts and its
   * worker is replaced. Default: none.
   */
  signal?: AbortSignal;
  /**
   * Milliseconds from submission before the call is cancelled as by
   * `signal`, rejecting with a `TimeoutError`. Default `Infinity`.
   */
  timeout?: number;
}

/**
 * Options of `Pool.applyAsync()`: `ApplyOptions` plus Python's callbacks.
 *
 * @example
 * ```ts
 * import { Pool } from "@mp/multiprocessing/pool";
 * import assert from "node:assert/strict";
 *
 * await using pool = new Pool({ processes: 1, backend: "inline" });
 * const seen: number[] = [];
 * await pool.applyAsync(Math.abs, [-3], { callback: (v) => seen.push(v) });
 * assert.deepEqual(seen, [3]);
 * ```
 */
export interface ApplyAsyncOptions<R> extends ApplyOptions {
  /** Called with the result when the task succeeds. Default: none. */
  callback?: (value: R) => void;
  /** Called with the error when the task fails. Default: none. */
  errorCallback?: (error: unknown) => void;
}

/**
 * Options of `Pool.map()` and `Pool.starmap()`.
 *
 * @example Report progress
 * ```ts
 * import { Pool } from "@mp/multiprocessing/pool";
 * import assert from "node:assert/strict";
 *
 * await using pool = new Pool({ processes: 2, backend: "inline" });
 * let last = 0;
 * await pool.map(Math.sqrt, [1, 4, 9, 16], {
 *   chunksize: 1,
 *   onProgress: (done, total) => last = done / total!,
 * });
 * assert.equal(last, 1);
 * ```
 */
export interface MapOptions extends ApplyOptions {
  /**
   * Items sent to a worker per task. Default: Python's heuristic,
   * `ceil(items / (processes × 4))`.
   */
  chunksize?: number;
  /**
   * Called as items complete with how many are done and how many there are
   * (`undefined` while an `imap` input has not ended). Default: none.
   */
  onProgress?: (done: number, total: number | undefined) => void;
}

/**
 * Options of `Pool.mapAsync()` and `Pool.starmapAsync()`.
 *
 * @example
 * ```ts
 * import { Pool } from "@mp/multiprocessing/pool";
 * import assert from "node:assert/strict";
 *
 * await using pool = new Pool({ processes: 2, backend: "inline" });
 * let got: number[] = [];
 * await pool.mapAsync(Math.abs, [-1, -2], { callback: (v) => got = v });
 * assert.deepEqual(got, [1, 2]);
 * ```
 */
export interface MapAsyncOptions<R> extends MapOptions {
  /** Called with all results when the map succeeds. Default: none. */
  callback?: (value: R[]) => void;
  /** Called with the error when the map fails. Default: none. */
  errorCallback?: (error: unknown) => void;
}

/**
 * Options of `Pool.imap()` and `Pool.imapUnordered()`.
 *
 * @example
 * ```ts
 * import { Pool } from "@mp/multiprocessing/pool";
 * import assert from "node:assert/strict";
 *
 * await using pool = new Pool({ processes: 2, backend: "inline" });
 * const out: number[] = [];
 * for await (const v of pool.imap(Math.sqrt, [1, 4, 9], { chunksize: 2 })) {
 *   out.push(v);
 * }
 * assert.deepEqual(out, [1, 2, 3]);
 * ```
 */
export interface ImapOptions {
  /** Items sent to a worker per task. Default `1` (as Python's `imap`). */
  chunksize?: number;
  /**
   * Stops the iteration: pending `next()` calls reject with `signal.reason`,
   * unstarted tasks never run, running ones are aborted. Default: none.
   */
  signal?: AbortSignal;
  /** As in `MapOptions`. Default: none. */
  onProgress?: (done: number, total: number | undefined) => void;
}

/**
 * What `pool.stats` reports. Latencies are over recent tasks (a map chunk
 * counts as one task), in milliseconds.
 *
 * @example
 * ```ts
 * import { Pool } from "@mp/multiprocessing/pool";
 * import assert from "node:assert/strict";
 *
 * await using pool = new Pool({ processes: 1, backend: "inline" });
 * await pool.map(Math.abs, [-1, -2, -3]);
 * const stats = pool.stats;
 * assert.equal(stats.completed, 3);
 * assert.equal(stats.failed, 0);
 * assert.ok(stats.runTime.p50 >= 0);
 * ```
 */
export interface PoolStats {
  /** Items that succeeded. */
  completed: number;
  /** Items that failed (thrown, timed out, cancelled, worker ended). */
  failed: number;
  /** Tasks waiting for a worker. */
  queued: number;
  /** Tasks held by workers (running, or sent and not started). */
  running: number;
  /** Live workers. */
  workers: number;
  /** Workers started to replace ones that ended or were retired. */
  respawns: number;
  /**
   * Workers that were terminated while stuck in synchronous code and have
   * not left it: Deno cannot stop them, and each burns a CPU until its code
   * returns (use the `"subprocess"` backend for hard limits).
   */
  stuckWorkers: number;
  /** Share of `processes` × elapsed time spent running tasks, 0 to 1. */
  utilization: number;
  /** Run time of recent tasks (ms). */
  runTime: { p50: number; p99: number };
  /** Time from submission to start of recent tasks (ms). */
  waitTime: { p50: number; p99: number };
}
