/**
 * `QueueProxy` and `JoinableQueueProxy`: FIFO queues that live on a
 * Manager.
 *
 * @module
 */
import { BaseProxy, type ProxyWaitOptions } from "./base_proxy.ts";
import { invoke } from "./_proxy_reference.ts";

/** What {@linkcode QueueProxy.tryGet} returns. */
export type QueueTryGetResult<T> = { ok: true; value: T } | { ok: false };

/**
 * A queue held by a Manager (Python's `manager.Queue()`). Unlike the
 * shared-memory `Queue`, it crosses into subprocesses and other machines;
 * each `put` and `get` is a round trip to the manager.
 *
 * @example
 * ```ts
 * import { Manager } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager.start();
 * const q = await manager.queue<string>({ maxsize: 1 });
 * await q.put("a");
 * assert.equal(await q.tryPut("b"), false);
 * assert.equal(await q.get(), "a");
 * assert.deepEqual(await q.tryGet(), { ok: false });
 * await assert.rejects(q.get({ timeout: 10 }), { name: "TimeoutError" });
 * ```
 */
export class QueueProxy<T = unknown> extends BaseProxy {
  /**
   * Adds `item`, waiting while the queue is full.
   *
   * @param item The item.
   * @param options `signal` and `timeout`.
   * @throws {DOMException} `TimeoutError` when `timeout` passes first.
   */
  async put(item: T, options: ProxyWaitOptions = {}): Promise<void> {
    await invoke(this, "put", [item, { timeout: options.timeout }], options);
  }

  /**
   * Removes and returns the oldest item, waiting while the queue is empty.
   *
   * @param options `signal` and `timeout`.
   * @returns The item.
   * @throws {DOMException} `TimeoutError` when `timeout` passes first.
   */
  get(options: ProxyWaitOptions = {}): Promise<T> {
    return invoke(
      this,
      "get",
      [{ timeout: options.timeout }],
      options,
    ) as Promise<T>;
  }

  /**
   * Adds `item` unless the queue is full.
   *
   * @param item The item.
   * @returns Whether it was added.
   */
  tryPut(item: T): Promise<boolean> {
    return invoke(this, "tryPut", [item]) as Promise<boolean>;
  }

  /**
   * Removes the oldest item if there is one.
   *
   * @returns `{ ok: true, value }` or `{ ok: false }`.
   */
  tryGet(): Promise<QueueTryGetResult<T>> {
    return invoke(this, "tryGet", []) as Promise<QueueTryGetResult<T>>;
  }

  /**
   * The number of items.
   *
   * @returns The count.
   */
  qsize(): Promise<number> {
    return invoke(this, "qsize", []) as Promise<number>;
  }

  /**
   * Whether the queue is empty.
   *
   * @returns `true` when empty.
   */
  empty(): Promise<boolean> {
    return invoke(this, "empty", []) as Promise<boolean>;
  }

  /**
   * Whether the queue is full.
   *
   * @returns `true` when full.
   */
  full(): Promise<boolean> {
    return invoke(this, "full", []) as Promise<boolean>;
  }
}

/**
 * A queue whose consumers mark items done, so that a producer can wait for
 * all of them (Python's `manager.JoinableQueue()`).
 *
 * @example
 * ```ts
 * import { Manager } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager.start();
 * const q = await manager.joinableQueue<number>();
 * await q.put(1);
 * const joined = q.join();
 * assert.equal(await q.get(), 1);
 * await q.taskDone();
 * await joined;
 * await assert.rejects(q.taskDone(), RangeError);
 * ```
 */
export class JoinableQueueProxy<T = unknown> extends QueueProxy<T> {
  /**
   * Marks one item taken by `get()` as done.
   *
   * @throws {RangeError} when called more often than items were put.
   */
  async taskDone(): Promise<void> {
    await invoke(this, "taskDone", []);
  }

  /**
   * Waits until every item put has been marked done.
   *
   * @param options `signal` and `timeout`.
   * @throws {DOMException} `TimeoutError` when `timeout` passes first.
   */
  async join(options: ProxyWaitOptions = {}): Promise<void> {
    await invoke(this, "join", [{ timeout: options.timeout }], options);
  }
}
