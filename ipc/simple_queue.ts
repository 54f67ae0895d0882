/**
 * `SimpleQueue`: a `Queue` with no `maxsize`.
 *
 * @module
 */
import { registerQueueClass } from "./_queue_kinds.ts";
import { Queue } from "./queue.ts";

/** Options of `new SimpleQueue()`. */
export interface SimpleQueueOptions {
  /**
   * Bytes of shared memory for items in transit, rounded up to a power of
   * two (256 B to 1 GiB); larger items stream through. Default 1 MiB.
   */
  bufferSize?: number;
}

/**
 * An unbounded queue (Python's `multiprocessing.SimpleQueue`): the same
 * `put` / `get` / `empty` / `close` as `Queue`, with no `maxsize`.
 *
 * @typeParam T The items' type.
 *
 * @example
 * ```ts
 * import { SimpleQueue } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * const queue = new SimpleQueue<number[]>();
 * await queue.put([1, 2, 3]);
 * assert.equal(queue.empty(), false);
 * assert.deepEqual(await queue.get(), [1, 2, 3]);
 * ```
 */
export class SimpleQueue<T> extends Queue<T> {
  /**
   * Creates an unbounded queue over fresh shared memory.
   *
   * @param options See `SimpleQueueOptions`.
   * @throws {RangeError} when `bufferSize` is out of range.
   */
  constructor(options: SimpleQueueOptions = {}) {
    super(
      options.bufferSize === undefined
        ? {}
        : { bufferSize: options.bufferSize },
    );
  }
}

registerQueueClass(SimpleQueue, { kind: "ipc.SimpleQueue", joinable: false });
