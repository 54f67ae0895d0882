/**
 * `ClusterPool`: `Pool`'s `apply`/`map`/`imap` shapes, run by worker nodes
 * on any number of machines through a Redis Stream.
 *
 * @module
 */
import type { TaskFunction } from "../pool/process.ts";
import type { MapItems, TaskResult } from "../pool/pool_options.ts";
import { ClusterEngine } from "./_cluster_engine.ts";
import { checkPoolName } from "./_task_wire.ts";
import type { RedisTarget } from "./redis_connection.ts";
import type {
  ClusterApplyOptions,
  ClusterImapOptions,
  ClusterMapOptions,
  ClusterPoolOptions,
  ClusterPoolStats,
  DeadLetter,
} from "./cluster_pool_options.ts";

/**
 * A pool whose workers are worker nodes (`cluster/worker.ts`, or
 * `WorkerNode`) on any machine that reaches the same Redis. Calls are cut
 * into task entries on the stream `mp:pool:{name}:tasks`; nodes claim them
 * through a consumer group, run them on their local `Pool`, and send the
 * results back on this caller's own stream.
 *
 * Delivery is at least once, and each item completes exactly once from the
 * caller's view: items carry ids and a second result for an item is
 * dropped. An item that throws is tried again (on any node) until
 * `maxAttempts`, then written to the dead-letter stream, and its call
 * rejects with a `RemoteError` whose `cause` is the error thrown. A node
 * that dies leaves its entries pending; others take them over after their
 * visibility timeout. A Redis restart is survived: connections come back,
 * and if the server lost its data (a marker key is gone), every item still
 * outstanding is submitted again.
 *
 * Functions are found by export name on the nodes and checked against
 * the caller's source text, as in `Pool`. Arguments and results cross with
 * the package's codec (no shared memory). Cancelling (`signal`, `timeout`)
 * stops waiting and deletes entries not yet claimed; an entry already
 * running finishes and its result is dropped.
 *
 * Needs `--allow-net` and `--allow-env`.
 *
 * @example Needs a Redis and a running worker node, hence `ignore`
 * ```ts ignore
 * // deno run -A cluster/worker.ts --redis redis://127.0.0.1:6379 \
 * //   --module tests/fixtures/cluster_tasks.ts --processes 2
 * import { ClusterPool } from "@mp/multiprocessing/cluster";
 * import assert from "node:assert/strict";
 * import { square } from "../tests/fixtures/cluster_tasks.ts";
 *
 * await using pool = await ClusterPool.connect({
 *   redis: "redis://127.0.0.1:6379",
 * });
 * assert.deepEqual(await pool.map(square, [1, 2, 3]), [1, 4, 9]);
 * assert.equal(await pool.apply(square, [4]), 16);
 * ```
 */
export class ClusterPool implements AsyncDisposable {
  readonly #engine: ClusterEngine;

  private constructor(engine: ClusterEngine) {
    this.#engine = engine;
  }

  /**
   * Connects a caller to the cluster pool `name` (creating its stream and
   * group if needed). Worker nodes may start before or after.
   *
   * @param options Where Redis is, the pool's name, and `maxAttempts`.
   * @returns A connected pool.
   * @throws {TypeError} when an option has the wrong type.
   * @throws {RangeError} when `maxAttempts` is not an integer >= 1.
   * @throws {RedisConnectionError} when Redis cannot be reached.
   *
   * @example Refused before anything connects
   * ```ts
   * import { ClusterPool } from "@mp/multiprocessing/cluster";
   * import assert from "node:assert/strict";
   *
   * await assert.rejects(ClusterPool.connect({ maxAttempts: 0 }), RangeError);
   * await assert.rejects(ClusterPool.connect({ name: "{x}" }), TypeError);
   * ```
   */
  static async connect(options: ClusterPoolOptions = {}): Promise<ClusterPool> {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot connect ClusterPool as options must be an object: received ${
          String(options)
        }`,
      );
    }
    const name = checkPoolName(
      options.name ?? "default",
      "connect ClusterPool",
    );
    const maxAttempts = options.maxAttempts ?? 3;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new RangeError(
        `Cannot connect ClusterPool as maxAttempts must be an integer >= 1: received ${maxAttempts}`,
      );
    }
    const target: RedisTarget | undefined = options.redis;
    return new ClusterPool(
      await ClusterEngine.open(target, name, maxAttempts),
    );
  }

  /** The pool's name (which worker nodes serve it). */
  get name(): string {
    return this.#engine.name;
  }

  /** This caller's id: its results arrive on `mp:pool:{name}:results:<id>`. */
  get caller(): string {
    return this.#engine.caller;
  }

  /** Counters of this caller, in items. */
  get stats(): ClusterPoolStats {
    return this.#engine.stats;
  }

  /**
   * Runs `fn(...args)` on a worker node.
   *
   * @param fn A function exported by the nodes' module, or its export name.
   * @param args Its arguments (encoded with the package's codec).
   * @param options `signal` and `timeout`.
   * @returns The result.
   * @throws {RemoteError} when the task failed on its last attempt.
   * @throws {TypeError} when `fn` has the wrong type or `args` cannot be
   * encoded.
   * @throws {PoolClosedError} after `close()` or `terminate()`.
   *
   * @example Needs a Redis and a running worker node, hence `ignore`
   * ```ts ignore
   * import { ClusterPool } from "@mp/multiprocessing/cluster";
   * import assert from "node:assert/strict";
   * import { add } from "../tests/fixtures/cluster_tasks.ts";
   *
   * await using pool = await ClusterPool.connect();
   * assert.equal(await pool.apply(add, [2, 3], { timeout: 60_000 }), 5);
   * assert.equal(await pool.apply("add", [2, 3]), 5); // by export name
   * ```
   */
  apply<F extends TaskFunction>(
    fn: F | string,
    args: Parameters<F>,
    options: ClusterApplyOptions = {},
  ): Promise<TaskResult<F>> {
    return this.#engine.apply(
      fn,
      args,
      options,
      "run ClusterPool.apply",
    ) as Promise<TaskResult<F>>;
  }

  /**
   * Runs `fn(item)` for every item on the worker nodes, `chunksize` items
   * per task entry, and returns the results in input order. The first
   * failure rejects the call and cancels the rest.
   *
   * @param fn A function exported by the nodes' module, or its export name.
   * @param items Any `Iterable` or `AsyncIterable` (read to its end first).
   * @param options `chunksize`, `signal`, `timeout`, `onProgress`.
   * @returns The results, in order.
   * @throws {RemoteError} when an item failed on its last attempt.
   * @throws {TypeError} when `fn` has the wrong type or an item cannot be
   * encoded.
   * @throws {RangeError} when `chunksize` is not an integer >= 1.
   * @throws {PoolClosedError} after `close()` or `terminate()`.
   *
   * @example Needs a Redis and a running worker node, hence `ignore`
   * ```ts ignore
   * import { ClusterPool } from "@mp/multiprocessing/cluster";
   * import assert from "node:assert/strict";
   * import { square } from "../tests/fixtures/cluster_tasks.ts";
   *
   * await using pool = await ClusterPool.connect();
   * const xs = Array.from({ length: 1000 }, (_, i) => i);
   * const squares: number[] = await pool.map(square, xs, { chunksize: 50 });
   * assert.deepEqual(squares, xs.map((x) => x * x));
   * ```
   */
  map<F extends TaskFunction>(
    fn: F | string,
    items: MapItems<Parameters<F>[0]>,
    options: ClusterMapOptions = {},
  ): Promise<TaskResult<F>[]> {
    return this.#engine.map(
      fn,
      items,
      options,
      false,
      "run ClusterPool.map",
    ) as Promise<
      TaskResult<F>[]
    >;
  }

  /**
   * `map` for functions of several arguments: each item is an argument
   * list (Python's `starmap`).
   *
   * @param fn A function exported by the nodes' module, or its export name.
   * @param items Argument lists, any `Iterable` or `AsyncIterable`.
   * @param options `chunksize`, `signal`, `timeout`, `onProgress`.
   * @returns The results, in order.
   * @throws {RemoteError} when an item failed on its last attempt.
   * @throws {TypeError} when an item is not an array or cannot be encoded.
   * @throws {PoolClosedError} after `close()` or `terminate()`.
   *
   * @example Needs a Redis and a running worker node, hence `ignore`
   * ```ts ignore
   * import { ClusterPool } from "@mp/multiprocessing/cluster";
   * import assert from "node:assert/strict";
   * import { add } from "../tests/fixtures/cluster_tasks.ts";
   *
   * await using pool = await ClusterPool.connect();
   * assert.deepEqual(await pool.starmap(add, [[1, 2], [3, 4]]), [3, 7]);
   * ```
   */
  starmap<F extends TaskFunction>(
    fn: F | string,
    items: MapItems<Parameters<F>>,
    options: ClusterMapOptions = {},
  ): Promise<TaskResult<F>[]> {
    return this.#engine.map(
      fn,
      items,
      options,
      true,
      "run ClusterPool.starmap",
    ) as Promise<
      TaskResult<F>[]
    >;
  }

  /**
   * Lazy `map`: results in input order as they are ready, with at most
   * `maxInFlight` items submitted and not yet consumed. A failed item
   * rejects its own `next()`; the iteration goes on after it.
   *
   * @param fn A function exported by the nodes' module, or its export name.
   * @param items Any `Iterable` or `AsyncIterable`, possibly endless.
   * @param options `chunksize` (default 1), `maxInFlight`, `signal`,
   * `onProgress`.
   * @returns The results, in order.
   * @throws {TypeError} when `fn` or `items` have the wrong type.
   * @throws {RangeError} when `chunksize` or `maxInFlight` is not an
   * integer >= 1.
   * @throws {PoolClosedError} after `close()` or `terminate()`.
   *
   * @example Needs a Redis and a running worker node, hence `ignore`
   * ```ts ignore
   * import { ClusterPool } from "@mp/multiprocessing/cluster";
   * import assert from "node:assert/strict";
   * import { square } from "../tests/fixtures/cluster_tasks.ts";
   *
   * function* naturals() {
   *   for (let i = 1;; i++) yield i;
   * }
   * await using pool = await ClusterPool.connect();
   * const out: number[] = [];
   * for await (const sq of pool.imap(square, naturals(), { maxInFlight: 8 })) {
   *   out.push(sq);
   *   if (out.length === 5) break;
   * }
   * assert.deepEqual(out, [1, 4, 9, 16, 25]);
   * ```
   */
  imap<F extends TaskFunction>(
    fn: F | string,
    items: MapItems<Parameters<F>[0]>,
    options: ClusterImapOptions = {},
  ): AsyncIterableIterator<TaskResult<F>> {
    return this.#engine.imap(fn, items, options, true, "run ClusterPool.imap");
  }

  /**
   * `imap` that yields results in completion order.
   *
   * @param fn A function exported by the nodes' module, or its export name.
   * @param items Any `Iterable` or `AsyncIterable`, possibly endless.
   * @param options `chunksize` (default 1), `maxInFlight`, `signal`,
   * `onProgress`.
   * @returns The results, as they complete.
   * @throws {TypeError} when `fn` or `items` have the wrong type.
   * @throws {RangeError} when `chunksize` or `maxInFlight` is not an
   * integer >= 1.
   * @throws {PoolClosedError} after `close()` or `terminate()`.
   *
   * @example Needs a Redis and a running worker node, hence `ignore`
   * ```ts ignore
   * import { ClusterPool } from "@mp/multiprocessing/cluster";
   * import assert from "node:assert/strict";
   *
   * await using pool = await ClusterPool.connect();
   * const got: number[] = [];
   * for await (const x of pool.imapUnordered("square", [3, 1, 2])) got.push(x);
   * assert.deepEqual(got.sort(), [1, 4, 9]);
   * ```
   */
  imapUnordered<F extends TaskFunction>(
    fn: F | string,
    items: MapItems<Parameters<F>[0]>,
    options: ClusterImapOptions = {},
  ): AsyncIterableIterator<TaskResult<F>> {
    return this.#engine.imap(
      fn,
      items,
      options,
      false,
      "run ClusterPool.imapUnordered",
    );
  }

  /**
   * Reads the pool's dead-letter stream: items that failed on their last
   * attempt, oldest first (about the last 10,000 are kept, for all
   * callers).
   *
   * @param options `count`: the most entries returned (default 100).
   * @returns The dead letters.
   *
   * @example Needs a Redis and a running worker node, hence `ignore`
   * ```ts ignore
   * import { ClusterPool, RemoteError } from "@mp/multiprocessing/cluster";
   * import assert from "node:assert/strict";
   *
   * await using pool = await ClusterPool.connect({ maxAttempts: 2 });
   * const error = await pool.apply("poison", [7]).catch((e) => e);
   * assert.ok(error instanceof RemoteError);
   * const [letter] = (await pool.deadLetters()).filter((d) => d.caller === pool.caller);
   * assert.deepEqual(letter?.args, [7]);
   * assert.equal(letter?.attempts, 2);
   * ```
   */
  async deadLetters(options: { count?: number } = {}): Promise<DeadLetter[]> {
    return await this.#engine.deadLetters(options);
  }

  /**
   * Stops taking new work; submitted work goes on (Python's `close`).
   */
  close(): void {
    this.#engine.close();
  }

  /**
   * Waits until every submitted item has settled, then deletes this
   * caller's result stream and closes the connections. Call `close()` first.
   *
   * @returns Once everything is closed.
   * @throws {Error} when the pool is still open.
   */
  async join(): Promise<void> {
    await this.#engine.join();
  }

  /**
   * Rejects everything outstanding with `PoolClosedError`, deletes the
   * entries not yet claimed, and closes the connections. Work already
   * running on nodes finishes there; its results are dropped.
   *
   * @returns Once everything is closed.
   */
  async terminate(): Promise<void> {
    await this.#engine.terminate();
  }

  /** `close()` and `join()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.join();
  }
}
