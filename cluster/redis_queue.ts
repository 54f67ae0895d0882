/**
 * `RedisQueue`: the shape of `Queue`, held by Redis, so that processes on
 * any machine can put and get.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import { QueueClosedError, type TryGetResult } from "../ipc/queue.ts";
import { BLOCK_SLICE_MS, BlockingConnection } from "./_blocking.ts";
import { closeRedis, type Connected, openRedis } from "./_redis_client.ts";
import { CLOSE, PUT, queueKeys, SIZE } from "./_queue_layout.ts";
import { pack, unpack } from "./_stored_value.ts";
import { abortable, pause, WaitScope } from "./_wait_scope.ts";
import type { RedisTarget } from "./redis_connection.ts";
import type {
  RedisQueueOptions,
  RedisQueueWaitOptions,
} from "./redis_queue_options.ts";

/**
 * A FIFO queue in a Redis list, with the methods of `Queue` that make sense
 * over a network (all of them async): `put`, `get`, `tryPut`, `tryGet`,
 * `qsize`, `empty`, `full`, `close`, and `for await`. Items are encoded
 * with the package's codec, so they keep their types (`Map`, `Date`,
 * `bigint`, typed arrays, errors …); shared memory cannot cross machines
 * and is a `TypeError`.
 *
 * Every handle with the same `name` on the same Redis is the same queue.
 * `close()` closes it for all of them: consumers get the remaining items,
 * then `QueueClosedError`. A `get()` that is aborted or times out leaves
 * no item behind: one that arrived meanwhile is put back at the head.
 * Delivery is at most once: an item taken by a process that then dies is
 * gone (use `ClusterPool` for work that must complete).
 *
 * Needs `--allow-net` and `--allow-env` (the Redis client reads its debug
 * settings at import).
 *
 * @example Needs a Redis on 127.0.0.1:6379, hence `ignore`
 * ```ts ignore
 * import { RedisQueue } from "@mp/multiprocessing/cluster";
 * import assert from "node:assert/strict";
 *
 * await using queue = await RedisQueue.connect<Map<string, number>>("jobs");
 * await queue.put(new Map([["a", 1]]));
 * assert.deepEqual(await queue.get(), new Map([["a", 1]]));
 * await queue.unlink();
 * ```
 */
export class RedisQueue<T> implements AsyncIterable<T>, AsyncDisposable {
  readonly #name: string;
  readonly #conn: Connected;
  readonly #target: RedisTarget | undefined;
  readonly #maxsize: number;
  readonly #keys: [string, string, string];
  #blocking: Promise<BlockingConnection> | undefined;
  #getTurn: Promise<void> = Promise.resolve();
  #disconnected = false;

  private constructor(
    name: string,
    conn: Connected,
    target: RedisTarget | undefined,
    maxsize: number,
    keys: [string, string, string],
  ) {
    this.#name = name;
    this.#conn = conn;
    this.#target = target;
    this.#maxsize = maxsize;
    this.#keys = keys;
  }

  /**
   * Connects to the queue `name` (created on first use).
   *
   * @param name The queue's name; handles with the same name share it.
   * @param options Where Redis is and the queue's `maxsize`.
   * @returns A connected handle.
   * @throws {TypeError} when `name` is not a non-empty string.
   * @throws {RangeError} when `maxsize` is not a non-negative integer or
   * differs from the existing queue's.
   * @throws {RedisConnectionError} when Redis cannot be reached.
   *
   * @example Needs a Redis on 127.0.0.1:6379, hence `ignore`
   * ```ts ignore
   * import { RedisQueue } from "@mp/multiprocessing/cluster";
   * import assert from "node:assert/strict";
   *
   * await using queue = await RedisQueue.connect<number>("bounded", {
   *   redis: "redis://127.0.0.1:6379",
   *   maxsize: 1,
   * });
   * assert.equal(await queue.tryPut(1), true);
   * assert.equal(await queue.tryPut(2), false); // full
   * await queue.unlink();
   * ```
   */
  static async connect<T = unknown>(
    name: string,
    options: RedisQueueOptions = {},
  ): Promise<RedisQueue<T>> {
    if (typeof name !== "string" || name === "") {
      throw new TypeError(
        `Cannot connect RedisQueue as name must be a non-empty string: received ${
          JSON.stringify(name) ?? String(name)
        }`,
      );
    }
    const { maxsize } = options;
    if (
      maxsize !== undefined &&
      (!Number.isSafeInteger(maxsize) || maxsize < 0)
    ) {
      throw new RangeError(
        `Cannot connect RedisQueue "${name}" as maxsize must be a non-negative integer: received ${maxsize}`,
      );
    }
    const keys = queueKeys(name);
    const what = `RedisQueue "${name}"`;
    const conn = await openRedis(options.redis, what, `mp-queue-${name}`);
    try {
      if (maxsize !== undefined && maxsize > 0) {
        await conn.redis.set(keys[2], String(maxsize), "NX");
      }
      const stored = Number(await conn.redis.get(keys[2]) ?? 0);
      if (maxsize !== undefined && stored !== maxsize) {
        throw new RangeError(
          `Cannot connect RedisQueue "${name}" with maxsize ${maxsize} as it exists with maxsize ${stored}`,
        );
      }
      return new RedisQueue<T>(name, conn, options.redis, stored, keys);
    } catch (error) {
      await closeRedis(conn.redis);
      throw error;
    }
  }

  /** The queue's name. */
  get name(): string {
    return this.#name;
  }

  /** The most items the queue holds (`0`: no limit). */
  get maxsize(): number {
    return this.#maxsize;
  }

  /**
   * Puts `item` at the end, waiting (polling, 5 ms growing to 200 ms)
   * while the queue is full.
   *
   * @param item The item; encoded at once.
   * @param options `signal` and `timeout` bound the wait.
   * @returns Once the item is in the queue.
   * @throws {TypeError} when `item` cannot be encoded.
   * @throws {QueueClosedError} when the queue is closed.
   */
  async put(item: T, options: RedisQueueWaitOptions = {}): Promise<void> {
    using scope = new WaitScope(options, `put() on ${this.#what}`);
    scope.signal.throwIfAborted();
    const bytes = pack(item, "item");
    for (let delay = 5;; delay = Math.min(delay * 2, 200)) {
      if (await abortable(this.#put(bytes), scope.signal)) return;
      await pause(delay, scope.signal);
      scope.signal.throwIfAborted();
    }
  }

  /**
   * Puts `item` if the queue has room (Python's `put_nowait`).
   *
   * @param item The item.
   * @returns Whether it was put (false when the queue is full).
   * @throws {TypeError} when `item` cannot be encoded.
   * @throws {QueueClosedError} when the queue is closed.
   */
  tryPut(item: T): Promise<boolean> {
    return this.#put(pack(item, "item"));
  }

  async #put(bytes: Buffer): Promise<boolean> {
    this.#check("put()");
    const done = Number(await PUT.run(this.#conn.redis, this.#keys, [bytes]));
    if (done < 0) {
      throw new QueueClosedError(
        `Cannot put() on ${this.#what} as it is closed`,
      );
    }
    return done === 1;
  }

  /**
   * Takes the first item, waiting until there is one. Waits of one handle
   * run one after the other, on a connection of their own.
   *
   * @param options `signal` and `timeout` bound the wait.
   * @returns The item.
   * @throws {QueueClosedError} when the queue is closed and empty.
   */
  async get(options: RedisQueueWaitOptions = {}): Promise<T> {
    using scope = new WaitScope(options, `get() from ${this.#what}`);
    scope.signal.throwIfAborted();
    this.#check("get()");
    const before = this.#getTurn;
    let release = () => {};
    this.#getTurn = new Promise<void>((resolve) => release = resolve);
    let late: Promise<void> | undefined;
    try {
      await abortable(before, scope.signal);
      const blocking = await abortable(
        this.#blockingConnection(),
        scope.signal,
      );
      const key = this.#keys[0];
      for (;;) {
        const reply = await blocking.run(
          (redis) => redis.blpopBuffer(key, BLOCK_SLICE_MS / 1000),
          scope.signal,
        );
        if (reply.aborted) {
          // An item may still come: put it back at the head when it does.
          late = reply.late.then(async (value) => {
            const item = value?.[1];
            if (item !== undefined) await this.#conn.redis.lpush(key, item);
          }).catch(() => {});
          throw scope.signal.reason;
        }
        const item = reply.value?.[1];
        if (item === undefined) continue;
        if (item.length === 0) {
          await this.#conn.redis.lpush(key, item);
          throw new QueueClosedError(
            `Cannot get() from ${this.#what} as it is closed and empty`,
          );
        }
        return unpack(item) as T;
      }
    } finally {
      if (late === undefined) release();
      else void late.finally(release);
    }
  }

  /**
   * Takes the first item if there is one (Python's `get_nowait`).
   *
   * @returns `{ ok: true, value }`, or `{ ok: false }` when there is none.
   */
  async tryGet(): Promise<TryGetResult<T>> {
    this.#check("tryGet()");
    const key = this.#keys[0];
    const item = await this.#conn.redis.lpopBuffer(key);
    if (item === null) return { ok: false };
    if (item.length === 0) {
      await this.#conn.redis.lpush(key, item);
      return { ok: false };
    }
    return { ok: true, value: unpack(item) as T };
  }

  /**
   * The number of items in the queue.
   *
   * @returns The count.
   */
  async qsize(): Promise<number> {
    this.#check("qsize()");
    return Number(await SIZE.run(this.#conn.redis, this.#keys.slice(0, 2), []));
  }

  /**
   * Whether the queue holds no item.
   *
   * @returns True when empty.
   */
  async empty(): Promise<boolean> {
    return await this.qsize() === 0;
  }

  /**
   * Whether the queue holds `maxsize` items.
   *
   * @returns True when full.
   */
  async full(): Promise<boolean> {
    return this.#maxsize > 0 && await this.qsize() >= this.#maxsize;
  }

  /**
   * Closes the queue for every handle: `put()` throws from now on, and
   * consumers get the remaining items, then `QueueClosedError` (a
   * `for await` loop ends). Idempotent.
   *
   * @returns Once closed.
   */
  async close(): Promise<void> {
    this.#check("close()");
    await CLOSE.run(this.#conn.redis, this.#keys.slice(0, 2), []);
  }

  /**
   * Whether the queue was closed (by any handle).
   *
   * @returns True when closed.
   */
  async isClosed(): Promise<boolean> {
    this.#check("isClosed()");
    return await this.#conn.redis.exists(this.#keys[1]) === 1;
  }

  /**
   * Iterates over items as they arrive, until the queue is closed and
   * drained.
   *
   * @returns An async iterator of items.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      let item: T;
      try {
        item = await this.get();
      } catch (error) {
        if (error instanceof QueueClosedError) return;
        throw error;
      }
      yield item;
    }
  }

  /**
   * Deletes the queue from Redis (its items, closed mark and `maxsize`);
   * the name can then be used afresh.
   *
   * @returns Once deleted.
   */
  async unlink(): Promise<void> {
    this.#check("unlink()");
    await this.#conn.redis.del(...this.#keys);
  }

  /**
   * Closes this handle's connections; the queue stays in Redis.
   * Idempotent. A `get()` still waiting rejects.
   *
   * @returns Once the connections are closed.
   */
  async disconnect(): Promise<void> {
    if (this.#disconnected) return;
    this.#disconnected = true;
    const blocking = this.#blocking;
    await closeRedis(this.#conn.redis);
    if (blocking !== undefined) {
      await (await blocking.catch(() => undefined))?.close();
    }
  }

  /** Same as `disconnect()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.disconnect();
  }

  get #what(): string {
    return `RedisQueue "${this.#name}"`;
  }

  #check(action: string): void {
    if (this.#disconnected) {
      throw new QueueClosedError(
        `Cannot ${action} on ${this.#what} as this handle is disconnected`,
      );
    }
  }

  #blockingConnection(): Promise<BlockingConnection> {
    this.#blocking ??= BlockingConnection.open(
      this.#target,
      this.#what,
      this.#conn.redis,
    );
    return this.#blocking;
  }
}
