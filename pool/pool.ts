/**
 * `Pool`: Python's `multiprocessing.Pool` over workers (or subprocesses, or
 * the caller's own loop), where every submitted task settles.
 *
 * @module
 */
import { checkWaitOptions } from "../sync/_futex.ts";
import { assertNotImporting } from "./_boot_state.ts";
import { Dispatcher } from "./_dispatcher.ts";
import { FnTable } from "./_fn_table.ts";
import { poolConfig } from "./_pool_config.ts";
import { poolStats } from "./_pool_stats.ts";
import { Submitter } from "./_pool_submit.ts";
import { within } from "./_wait.ts";
import { AsyncResult } from "./async_result.ts";
import type {
  ApplyAsyncOptions,
  ApplyOptions,
  ImapOptions,
  MapAsyncOptions,
  MapItems,
  MapOptions,
  PoolOptions,
  PoolStats,
  TaskResult,
} from "./pool_options.ts";
import type { JoinOptions, TaskFunction } from "./process.ts";

/**
 * A pool of workers running exported functions, Python's
 * `multiprocessing.Pool`.
 *
 * Tasks are functions exported by `module` (default: the main module), sent
 * by name and checked in the worker against their source; types flow from
 * the function (`pool.map(square, xs)` is `Promise<number[]>`).
 *
 * Every submitted task settles: a task's own exception rejects it with
 * `RemoteError`; a worker that dies (crash, `Deno.exit()`, `self.close()`)
 * rejects only the task it was running with `WorkerExitError`, its other
 * tasks run elsewhere and a replacement starts; a task past `taskTimeout`
 * or cancelled by its `signal` rejects at once and its worker is replaced.
 *
 * Workers do not keep the process alive while no task is outstanding (as
 * Python's daemonic pool workers). `await using` closes the pool and waits
 * for the queued work (Python's `with` terminates instead).
 *
 * Permissions: the `"worker"` backend needs `--allow-read` for `module`
 * (and for this package's files when it is loaded from a local path).
 *
 * @example Python's Pool.map, starmap, apply and apply_async
 * ```ts
 * import { Pool } from "@mp/multiprocessing/pool";
 * import assert from "node:assert/strict";
 * import { add, square } from "../tests/fixtures/pool_tasks.ts";
 *
 * const module = new URL("../tests/fixtures/pool_tasks.ts", import.meta.url);
 * await using pool = new Pool({ processes: 2, module });
 * assert.deepEqual(await pool.map(square, [1, 2, 3]), [1, 4, 9]);
 * assert.deepEqual(await pool.starmap(add, [[1, 2], [3, 4]]), [3, 7]);
 * assert.equal(await pool.apply(add, [2, 3]), 5);
 * const result = pool.applyAsync(square, [4]);
 * assert.equal(await result.get(), 16);
 * assert.equal(result.successful(), true);
 * ```
 */
export class Pool implements AsyncDisposable {
  readonly #processes: number;
  readonly #dispatcher: Dispatcher;
  readonly #submitter: Submitter;

  /**
   * Creates a pool and starts its first `minProcesses` workers.
   *
   * @param options How many workers, where, and with what limits.
   * @throws {RangeError} When `processes` is not an integer >= 1, or another
   * count or duration is out of range.
   * @throws {TypeError} When an option has the wrong type, or `initargs`
   * cannot cross into a worker.
   * @throws {Deno.errors.NotCapable} When `permissions` ask for more than
   * this process holds.
   * @throws {Error} When called while a child imports its task module (guard
   * the script's own work with `if (import.meta.main)`).
   *
   * @example Bad sizes are refused
   * ```ts
   * import { Pool } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   *
   * assert.throws(() => new Pool({ processes: 0 }), RangeError);
   * assert.throws(() => new Pool({ processes: 1.5 }), RangeError);
   * ```
   */
  constructor(options: PoolOptions = {}) {
    assertNotImporting("Pool");
    const fns = new FnTable();
    const config = poolConfig(options, fns);
    this.#processes = config.processes;
    this.#dispatcher = new Dispatcher({
      ...config,
      onSettle: () => this.#submitter.onSettle(),
    });
    this.#submitter = new Submitter({ ...config, fns }, this.#dispatcher);
  }

  /** The most workers this pool runs. */
  get processes(): number {
    return this.#processes;
  }

  /**
   * Counters, worker health and latency percentiles.
   *
   * @example
   * ```ts
   * import { Pool } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   *
   * await using pool = new Pool({ processes: 2, backend: "inline" });
   * await pool.apply(Math.abs, [-1]);
   * assert.equal(pool.stats.completed, 1);
   * assert.equal(pool.stats.workers, 2);
   * ```
   */
  get stats(): PoolStats {
    return poolStats(this.#dispatcher, this.#processes);
  }

  /**
   * Runs `fn(...args)` in a worker.
   *
   * @param fn A function exported by the pool's module, or its export name.
   * @param args Its arguments.
   * @param options `signal` and `timeout` of the call.
   * @returns The function's result.
   * @throws {RemoteError} When the function threw.
   * @throws {WorkerExitError} When its worker ended while running it.
   * @throws {TypeError} When `fn` is not exported by the module, or `args`
   * cannot cross (only this call fails).
   * @throws {DOMException} `TimeoutError` after `taskTimeout` or `timeout`.
   * @throws {PoolClosedError} After `close()` or `terminate()`.
   * @throws {PoolFullError} When `maxQueue` tasks already wait.
   *
   * @example
   * ```ts
   * import { Pool } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   * import { add } from "../tests/fixtures/pool_tasks.ts";
   *
   * const module = new URL("../tests/fixtures/pool_tasks.ts", import.meta.url);
   * await using pool = new Pool({ processes: 1, module });
   * const sum: number = await pool.apply(add, [2, 3]);
   * assert.equal(sum, 5);
   * assert.equal(await pool.apply("add", [2, 3]), 5); // by export name
   * ```
   */
  apply<F extends TaskFunction>(
    fn: F | string,
    args: Parameters<F>,
    options?: ApplyOptions,
  ): Promise<TaskResult<F>> {
    return this.#submitter.call("apply", fn, args, options);
  }

  /**
   * Runs `fn(...args)` in a worker and returns at once with an
   * `AsyncResult` (Python's `apply_async`).
   *
   * @param fn A function exported by the pool's module, or its export name.
   * @param args Its arguments.
   * @param options `callback`, `errorCallback`, `signal` and `timeout`.
   * @returns The eventual result.
   *
   * @example
   * ```ts
   * import { Pool } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   * import { square } from "../tests/fixtures/pool_tasks.ts";
   *
   * const module = new URL("../tests/fixtures/pool_tasks.ts", import.meta.url);
   * await using pool = new Pool({ processes: 2, module });
   * const results = [1, 2, 3].map((x) => pool.applyAsync(square, [x]));
   * assert.deepEqual(await Promise.all(results.map((r) => r.get())), [1, 4, 9]);
   * ```
   */
  applyAsync<F extends TaskFunction>(
    fn: F | string,
    args: Parameters<F>,
    options?: ApplyAsyncOptions<TaskResult<F>>,
  ): AsyncResult<TaskResult<F>> {
    return new AsyncResult(
      this.#submitter.call<TaskResult<F>>("applyAsync", fn, args, options),
      options,
    );
  }

  /**
   * Runs `fn(item)` for every item, in chunks, and resolves with the results
   * in order. The first failure rejects the call and cancels the rest.
   *
   * @param fn A function exported by the pool's module, or its export name.
   * @param items Any `Iterable` or `AsyncIterable` (read to the end first).
   * @param options `chunksize`, `signal`, `timeout`, `onProgress`.
   * @returns The results, in input order.
   * @throws {RemoteError} When `fn` threw for some item.
   * @throws {WorkerExitError} When a worker ended while running a chunk.
   * @throws {RangeError} When `chunksize` is not an integer >= 1.
   * @throws {PoolClosedError} After `close()` or `terminate()`.
   *
   * @example
   * ```ts
   * import { Pool } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   * import { square } from "../tests/fixtures/pool_tasks.ts";
   *
   * const module = new URL("../tests/fixtures/pool_tasks.ts", import.meta.url);
   * await using pool = new Pool({ processes: 2, module });
   * const squares: number[] = await pool.map(square, [1, 2, 3, 4]);
   * assert.deepEqual(squares, [1, 4, 9, 16]);
   * ```
   */
  map<F extends TaskFunction>(
    fn: F | string,
    items: MapItems<Parameters<F>[0]>,
    options?: MapOptions,
  ): Promise<TaskResult<F>[]> {
    return this.#submitter.map("map", fn, items, options);
  }

  /**
   * `map` that returns at once with an `AsyncResult` (Python's `map_async`).
   *
   * @param fn A function exported by the pool's module, or its export name.
   * @param items Any `Iterable` or `AsyncIterable`.
   * @param options `MapOptions` plus `callback` and `errorCallback`.
   * @returns The eventual results.
   *
   * @example
   * ```ts
   * import { Pool } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   *
   * await using pool = new Pool({ processes: 2, backend: "inline" });
   * const result = pool.mapAsync(Math.sqrt, [4, 9]);
   * await result.wait();
   * assert.deepEqual(await result.get(), [2, 3]);
   * ```
   */
  mapAsync<F extends TaskFunction>(
    fn: F | string,
    items: MapItems<Parameters<F>[0]>,
    options?: MapAsyncOptions<TaskResult<F>>,
  ): AsyncResult<TaskResult<F>[]> {
    return new AsyncResult(
      this.#submitter.map<TaskResult<F>>("mapAsync", fn, items, options),
      options,
    );
  }

  /**
   * Runs `fn(...args)` for every argument list, like `map`.
   *
   * @param fn A function exported by the pool's module, or its export name.
   * @param items Argument lists, any `Iterable` or `AsyncIterable`.
   * @param options `chunksize`, `signal`, `timeout`, `onProgress`.
   * @returns The results, in input order.
   * @throws {RemoteError} When `fn` threw for some item.
   *
   * @example
   * ```ts
   * import { Pool } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   * import { add } from "../tests/fixtures/pool_tasks.ts";
   *
   * const module = new URL("../tests/fixtures/pool_tasks.ts", import.meta.url);
   * await using pool = new Pool({ processes: 2, module });
   * assert.deepEqual(await pool.starmap(add, [[1, 1], [2, 2]]), [2, 4]);
   * ```
   */
  starmap<F extends TaskFunction>(
    fn: F | string,
    items: MapItems<Parameters<F>>,
    options?: MapOptions,
  ): Promise<TaskResult<F>[]> {
    return this.#submitter.map("starmap", fn, items, options);
  }

  /**
   * `starmap` that returns at once with an `AsyncResult`.
   *
   * @param fn A function exported by the pool's module, or its export name.
   * @param items Argument lists.
   * @param options `MapOptions` plus `callback` and `errorCallback`.
   * @returns The eventual results.
   *
   * @example
   * ```ts
   * import { Pool } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   *
   * await using pool = new Pool({ processes: 2, backend: "inline" });
   * const result = pool.starmapAsync(Math.max, [[1, 5], [7, 2]]);
   * assert.deepEqual(await result, [5, 7]);
   * ```
   */
  starmapAsync<F extends TaskFunction>(
    fn: F | string,
    items: MapItems<Parameters<F>>,
    options?: MapAsyncOptions<TaskResult<F>>,
  ): AsyncResult<TaskResult<F>[]> {
    return new AsyncResult(
      this.#submitter.map<TaskResult<F>>("starmapAsync", fn, items, options),
      options,
    );
  }

  /**
   * Runs `fn(item)` for every item and yields the results in input order as
   * they come, with bounded work in flight: an endless input streams in
   * constant memory. An item's error rejects that step only; iteration can
   * go on (`for await` stops at it). Breaking out stops the work.
   *
   * @param fn A function exported by the pool's module, or its export name.
   * @param items Any `Iterable` or `AsyncIterable`, possibly endless.
   * @param options `chunksize` (default 1), `signal`, `onProgress`.
   * @returns The results, in input order.
   * @throws {TypeError} When `fn` or `items` have the wrong type.
   * @throws {RangeError} When `chunksize` is not an integer >= 1.
   * @throws {PoolClosedError} After `close()` or `terminate()`.
   *
   * @example Stream over an endless input, stop when done
   * ```ts
   * import { Pool } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   * import { square } from "../tests/fixtures/pool_tasks.ts";
   *
   * async function* naturals() {
   *   for (let n = 1; ; n++) yield n;
   * }
   * const module = new URL("../tests/fixtures/pool_tasks.ts", import.meta.url);
   * await using pool = new Pool({ processes: 2, module });
   * const out: number[] = [];
   * for await (const sq of pool.imap(square, naturals())) {
   *   out.push(sq);
   *   if (out.length === 5) break;
   * }
   * assert.deepEqual(out, [1, 4, 9, 16, 25]);
   * ```
   */
  imap<F extends TaskFunction>(
    fn: F | string,
    items: MapItems<Parameters<F>[0]>,
    options?: ImapOptions,
  ): AsyncIterableIterator<TaskResult<F>> {
    return this.#submitter.imap("imap", fn, items, options);
  }

  /**
   * `imap` that yields results in completion order.
   *
   * @param fn A function exported by the pool's module, or its export name.
   * @param items Any `Iterable` or `AsyncIterable`, possibly endless.
   * @param options `chunksize` (default 1), `signal`, `onProgress`.
   * @returns The results, as they complete.
   * @throws {TypeError} When `fn` or `items` have the wrong type.
   * @throws {RangeError} When `chunksize` is not an integer >= 1.
   * @throws {PoolClosedError} After `close()` or `terminate()`.
   *
   * @example Keep going past a failed item
   * ```ts
   * import { Pool } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   *
   * const module = new URL("../tests/fixtures/pool_tasks.ts", import.meta.url);
   * await using pool = new Pool({ processes: 2, module });
   * const it = pool.imapUnordered("maybeFail", [1, 2, 3, 4]); // fails on 3
   * const got: number[] = [];
   * let errors = 0;
   * for (let i = 0; i < 4; i++) {
   *   try {
   *     got.push((await it.next()).value as number);
   *   } catch {
   *     errors++;
   *   }
   * }
   * assert.deepEqual(got.sort(), [1, 2, 4]);
   * assert.equal(errors, 1);
   * ```
   */
  imapUnordered<F extends TaskFunction>(
    fn: F | string,
    items: MapItems<Parameters<F>[0]>,
    options?: ImapOptions,
  ): AsyncIterableIterator<TaskResult<F>> {
    return this.#submitter.imap("imapUnordered", fn, items, options);
  }

  /**
   * Takes no more work; the workers exit once the queued tasks are done.
   *
   * @example
   * ```ts
   * import { Pool } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   *
   * const pool = new Pool({ processes: 1, backend: "inline" });
   * const pending = pool.apply(Math.abs, [-5]);
   * pool.close();
   * await pool.join();
   * assert.equal(await pending, 5); // queued work still ran
   * ```
   */
  close(): void {
    this.#dispatcher.close();
  }

  /**
   * Ends every worker now; unsettled tasks reject with `PoolClosedError`.
   * A worker stuck in synchronous code cannot be stopped by Deno: see
   * `stats.stuckWorkers`.
   *
   * @example
   * ```ts
   * import { Pool, PoolClosedError } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   *
   * const module = new URL("../tests/fixtures/pool_tasks.ts", import.meta.url);
   * const pool = new Pool({ processes: 1, module });
   * const pending = pool.apply("sleep", [60_000]);
   * pool.terminate();
   * await assert.rejects(pending, PoolClosedError);
   * await pool.join();
   * ```
   */
  terminate(): void {
    this.#dispatcher.terminate();
  }

  /**
   * Waits for every worker to exit, after `close()` or `terminate()`. After
   * `close()` that includes the queued work, and calls started before it
   * that still submit (a `map` waiting for `maxQueue` room, an `imap` whose
   * input is still being read: finish or `return()` it).
   *
   * @param options `timeout` (ms) and `signal` of the wait.
   * @throws {Error} When the pool is still running (call `close()` first).
   * @throws {DOMException} `TimeoutError` when `timeout` elapses first.
   *
   * @example
   * ```ts
   * import { Pool } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   *
   * const pool = new Pool({ processes: 1, backend: "inline" });
   * await assert.rejects(pool.join(), /still running/);
   * pool.close();
   * await pool.join();
   * ```
   */
  async join(options?: JoinOptions): Promise<void> {
    const timeout = checkWaitOptions("join Pool", options);
    if (this.#dispatcher.state === "running") {
      throw new Error(
        "Cannot join Pool as it is still running: call close() or terminate() first",
      );
    }
    await within(
      this.#dispatcher.ended(),
      timeout,
      options?.signal,
      "join Pool",
    );
  }

  /**
   * Closes the pool and waits for the queued work and the workers: what
   * `await using` does (unlike Python's `with`, which terminates).
   *
   * @returns A promise that settles once every worker exited.
   *
   * @example
   * ```ts
   * import { Pool } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   *
   * let pending: Promise<number>;
   * {
   *   await using pool = new Pool({ processes: 1, backend: "inline" });
   *   pending = pool.apply(Math.abs, [-2]);
   * }
   * assert.equal(await pending, 2);
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.#dispatcher.ended();
  }
}
