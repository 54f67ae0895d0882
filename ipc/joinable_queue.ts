/**
 * `JoinableQueue`: a `Queue` that counts unfinished items.
 *
 * @module
 */
import { registerQueueClass } from "./_queue_kinds.ts";
import { type Ring, ringOf } from "./_ring.ts";
import { joinOp } from "./_ring_ops.ts";
import { checkTimeout, runAsync, runSync } from "./_ring_wait.ts";
import {
  Queue,
  type QueueOptions,
  type QueueSyncOptions,
  type QueueWaitOptions,
} from "./queue.ts";

/**
 * A `Queue` that counts unfinished items (Python's
 * `multiprocessing.JoinableQueue`): each `put()` adds one, each
 * `taskDone()` removes one, and `join()` waits until none is left.
 *
 * @typeParam T The items' type.
 *
 * @example
 * ```ts
 * import { JoinableQueue } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * const queue = new JoinableQueue<string>();
 * await queue.put("a");
 * await queue.put("b");
 * const done: string[] = [];
 * const consumer = (async () => {
 *   for (let i = 0; i < 2; i++) {
 *     done.push(await queue.get());
 *     queue.taskDone();
 *   }
 * })();
 * await queue.join();
 * assert.deepEqual(done, ["a", "b"]);
 * await consumer;
 * ```
 */
export class JoinableQueue<T> extends Queue<T> {
  /**
   * Creates a joinable queue over fresh shared memory.
   *
   * @param options See `QueueOptions`.
   * @throws {RangeError} when `maxsize` is negative or not an integer, or
   * `bufferSize` is out of range.
   * @throws {TypeError} when they are not numbers.
   */
  constructor(options: QueueOptions = {}) {
    super(options);
  }

  get #ring(): Ring {
    return ringOf.get(this)!;
  }

  /**
   * Marks one item taken with `get()` as processed (Python's `task_done`).
   *
   * @throws {RangeError} when called more times than items were put.
   */
  taskDone(): void {
    if (this.#ring.taskDone() < 0) {
      throw new RangeError(
        "Cannot call taskDone() on JoinableQueue more times than items were put: no item is unfinished",
      );
    }
  }

  /** The number of items put and not yet marked done. */
  get unfinished(): number {
    return Math.max(0, this.#ring.unfinished);
  }

  /**
   * Waits until every item put has been marked done with `taskDone()`.
   *
   * @param options `signal` and `timeout` bound the wait.
   * @returns Once no item is unfinished.
   */
  async join(options: QueueWaitOptions = {}): Promise<void> {
    if (options.timeout !== undefined) {
      checkTimeout("join() JoinableQueue", options.timeout);
    }
    options.signal?.throwIfAborted();
    const op = joinOp(this.#ring);
    if (op.step() === -1) return;
    await runAsync(this.#ring, op, "join() JoinableQueue", options);
  }

  /**
   * Blocks the thread until every item put has been marked done.
   *
   * @param options `timeout` bounds the wait.
   */
  joinSync(options: QueueSyncOptions = {}): void {
    if (options.timeout !== undefined) {
      checkTimeout("joinSync() JoinableQueue", options.timeout);
    }
    runSync(
      this.#ring,
      joinOp(this.#ring),
      "joinSync() JoinableQueue",
      options.timeout,
    );
  }
}

registerQueueClass(JoinableQueue, {
  kind: "ipc.JoinableQueue",
  joinable: true,
});
