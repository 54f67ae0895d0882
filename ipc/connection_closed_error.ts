/**
 * `ConnectionClosedError`: what a closed `Connection` throws.
 *
 * @module
 */

/**
 * Thrown by `recv()` once the other end has closed and every message it
 * sent has been received (Python's `EOFError`), and by any call on a
 * closed end or after the other end closed.
 *
 * @example
 * ```ts
 * import { ConnectionClosedError, pipe } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = pipe<string>();
 * await b.send("last words");
 * b.close();
 * assert.equal(await a.recv(), "last words");
 * await assert.rejects(a.recv(), ConnectionClosedError);
 * a.close();
 * ```
 */
export class ConnectionClosedError extends Error {
  /**
   * Creates the error.
   *
   * @param message What was refused.
   * @param options The error's `cause`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConnectionClosedError";
  }
}
