/**
 * `QueueClosedError`: what a closed queue throws.
 *
 * @module
 */

/**
 * Thrown by `put()` on a closed queue, and by `get()` on a closed queue
 * that has been drained.
 *
 * @example
 * ```ts
 * import { Queue, QueueClosedError } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * const queue = new Queue<number>();
 * queue.close();
 * await assert.rejects(queue.get(), QueueClosedError);
 * ```
 */
export class QueueClosedError extends Error {
  /**
   * Creates the error.
   *
   * @param message What was refused.
   * @param options The error's `cause`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "QueueClosedError";
  }
}
