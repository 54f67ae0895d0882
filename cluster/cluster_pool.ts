/**
 * `ClusterPool`: `Pool`'s `apply`/`map`/`imap` shapes, run by worker nodes
 * on any number of machines through a Redis Stream.
 *
 * @module
 */
import { PoolClosedError } from "../pool/errors.ts";
import type { TaskFunction } from "../pool/process.ts";
import type { MapItems, TaskResult } from "../pool/pool_options.ts";
import { BlockingConnection } from "./_blocking.ts";
import {
  checkCount,
  checkIterable,
  runMap,
  toFnRef,
} from "./_cluster_calls.ts";
import {
  type ChunkHandle,
  type ImapHost,
  ImapIterator,
} from "./_cluster_imap.ts";
import { type Chunk, type FnRef, Ledger } from "./_ledger.ts";
import {
  closeRedis,
  type Connected,
  openRedis,
  watchDataLoss,
} from "./_redis_client.ts";
import { ResultReader } from "./_result_reader.ts";
import { unpack } from "./_stored_value.ts";
import {
  checkPoolName,
  ensureGroup,
  fieldMap,
  type PoolKeys,
  poolKeys,
} from "./_task_wire.ts";
import { WaitScope } from "./_wait_scope.ts";
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
  readonly #name: string;
  readonly #caller: string;
  readonly #keys: PoolKeys;
  readonly #conn: Connected;
  readonly #reader: ResultReader;
  readonly #blocking: BlockingConnection;
  readonly #ledger: Ledger;
  #state: "open" | "closing" | "ended" = "open";
  #ended: Promise<void> | undefined;

  private constructor(
    name: string,
    caller: string,
    maxAttempts: number,
    conn: Connected,
    blocking: BlockingConnection,
  ) {
    this.#name = name;
    this.#caller = caller;
    this.#keys = poolKeys(name);
    this.#conn = conn;
    this.#blocking = blocking;
    this.#ledger = new Ledger(conn.redis, this.#keys, caller, maxAttempts);
    this.#reader = new ResultReader(
      blocking,
      conn.redis,
      this.#keys.results(caller),
      (outcomes) => this.#ledger.onResults(outcomes),
    );
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
    const caller = crypto.randomUUID().replaceAll("-", "").slice(0, 16);
    const target: RedisTarget | undefined = options.redis;
    const what = `ClusterPool "${name}"`;
    const conn = await openRedis(target, what, `mp-caller-${caller}`);
    let blocking: BlockingConnection | undefined;
    try {
      blocking = await BlockingConnection.open(target, what, conn.redis);
      await ensureGroup(conn.redis, poolKeys(name).tasks);
      const pool = new ClusterPool(name, caller, maxAttempts, conn, blocking);
      await watchDataLoss(
        conn.redis,
        pool.#keys.marker(caller),
        () => pool.#onDataLoss(),
      );
      pool.#reader.start();
      return pool;
    } catch (error) {
      await blocking?.close();
      await closeRedis(conn.redis);
      throw error;
    }
  }

  /** The pool's name (which worker nodes serve it). */
  get name(): string {
    return this.#name;
  }

  /** This caller's id: its results arrive on `mp:pool:{name}:results:<id>`. */
  get caller(): string {
    return this.#caller;
  }

  /** Counters of this caller, in items. */
  get stats(): ClusterPoolStats {
    return { ...this.#ledger.counts, pending: this.#ledger.pending };
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
    const what = "run ClusterPool.apply";
    return new Promise<TaskResult<F>>((resolve, reject) => {
      const ref = toFnRef(fn, what);
      if (!Array.isArray(args)) {
        throw new TypeError(
          `Cannot ${what} as args must be an array: received ${typeof args}`,
        );
      }
      const scope = new WaitScope(options, what);
      const signal = scope.signal;
      if (signal.aborted) {
        scope[Symbol.dispose]();
        return reject(signal.reason);
      }
      const onAbort = () => {
        this.#ledger.cancel(chunk);
        scope[Symbol.dispose]();
        reject(signal.reason);
      };
      let chunk: Chunk;
      try {
        chunk = this.#submit(ref, [args], (_, ok, value) => {
          signal.removeEventListener("abort", onAbort);
          scope[Symbol.dispose]();
          if (ok) resolve(value as TaskResult<F>);
          else reject(value);
        }, what);
      } catch (error) {
        scope[Symbol.dispose]();
        throw error;
      }
      signal.addEventListener("abort", onAbort, { once: true });
    });
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
    return this.#map(
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
    return this.#map(
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
    return this.#imap(fn, items, options, true, "run ClusterPool.imap");
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
    return this.#imap(
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
    const count = options.count ?? 100;
    const rows = await this.#conn.redis.xrangeBuffer(
      this.#keys.dead,
      "-",
      "+",
      "COUNT",
      count,
    ) as [Buffer, Buffer[]][];
    return rows.map(([id, fields]) => {
      const map = fieldMap(fields);
      const text = (key: string) => map.get(key)?.toString() ?? "";
      const bytes = (key: string) => {
        const value = map.get(key);
        return value === undefined ? undefined : unpack(value);
      };
      return {
        streamId: id.toString(),
        caller: text("c"),
        fn: text("f"),
        taskId: Number(text("i")),
        attempts: Number(text("a")),
        node: text("n"),
        args: (bytes("args") ?? []) as unknown[],
        error: bytes("e"),
      };
    });
  }

  /**
   * Stops taking new work; submitted work goes on (Python's `close`).
   */
  close(): void {
    if (this.#state === "open") this.#state = "closing";
  }

  /**
   * Waits until every submitted item has settled, then deletes this
   * caller's result stream and closes the connections. Call `close()` first.
   *
   * @returns Once everything is closed.
   * @throws {Error} when the pool is still open.
   */
  async join(): Promise<void> {
    if (this.#state === "open") {
      throw new Error(
        "Cannot join ClusterPool as it is open; call close() first",
      );
    }
    await this.#ledger.idle();
    await this.#end();
  }

  /**
   * Rejects everything outstanding with `PoolClosedError`, deletes the
   * entries not yet claimed, and closes the connections. Work already
   * running on nodes finishes there; its results are dropped.
   *
   * @returns Once everything is closed.
   */
  async terminate(): Promise<void> {
    this.#state = "closing";
    const error = new PoolClosedError(
      "Cannot finish the task as the ClusterPool was terminated",
    );
    this.#ledger.failAll(error);
    await this.#end();
  }

  /** `close()` and `join()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.join();
  }

  #end(): Promise<void> {
    this.#ended ??= (async () => {
      this.#state = "ended";
      await this.#reader.stop();
      this.#ledger.closed = true;
      await this.#conn.redis.del(
        this.#keys.results(this.#caller),
        this.#keys.marker(this.#caller),
      ).catch(() => {});
      await this.#blocking.close();
      await closeRedis(this.#conn.redis);
    })();
    return this.#ended;
  }

  #submit(
    fn: FnRef,
    args: unknown[][],
    settle: Chunk["settle"],
    what: string,
  ): Chunk {
    if (this.#state !== "open") {
      throw new PoolClosedError(`Cannot ${what} as the pool is closed`);
    }
    return this.#ledger.submit(fn, args, settle);
  }

  #onDataLoss(): void {
    this.#reader.resetCursor();
    ensureGroup(this.#conn.redis, this.#keys.tasks).catch(() => {})
      .then(() => this.#ledger.resubmit());
  }

  #map(
    fn: TaskFunction | string,
    items: MapItems<unknown>,
    options: ClusterMapOptions,
    star: boolean,
    what: string,
  ): Promise<unknown[]> {
    return runMap(
      {
        submit: (ref, args, settle) => this.#submit(ref, args, settle, what),
        cancel: (chunk) => this.#ledger.cancel(chunk),
      },
      fn,
      items,
      options,
      star,
      what,
    );
  }

  #imap<R>(
    fn: TaskFunction | string,
    items: MapItems<unknown>,
    options: ClusterImapOptions,
    ordered: boolean,
    what: string,
  ): AsyncIterableIterator<R> {
    const ref = toFnRef(fn, what);
    checkIterable(items, what);
    const chunksize = checkCount(options.chunksize, what, "chunksize") ?? 1;
    const maxInFlight = checkCount(options.maxInFlight, what, "maxInFlight") ??
      1000;
    if (this.#state !== "open") {
      throw new PoolClosedError(`Cannot ${what} as the pool is closed`);
    }
    const host: ImapHost = {
      submit: (args, settle) => this.#submit(ref, args, settle, what),
      cancel: (chunk: ChunkHandle) => this.#ledger.cancel(chunk as Chunk),
    };
    return new ImapIterator<R>(host, items, {
      ordered,
      star: false,
      chunksize,
      maxInFlight: Math.max(maxInFlight, chunksize),
      signal: options.signal,
      onProgress: options.onProgress,
    });
  }
}
