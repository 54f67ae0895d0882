/**
 * `LockAbandonedError`: what acquiring a lock whose holder died reports.
 *
 * @module
 */
import type { Guard } from "./guard.ts";

/**
 * Thrown by an acquisition that took over a lock whose holder died while
 * holding it (robust-mutex semantics). The lock now belongs to the caller
 * through `guard`; the data it protects may be half-updated, so check it,
 * then release the guard as usual.
 *
 * @example Recover a lock whose holder died
 * ```ts
 * import { Lock, LockAbandonedError } from "@mp/multiprocessing/sync";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * try {
 *   using _guard = await lock.acquire();
 * } catch (error) {
 *   if (!(error instanceof LockAbandonedError)) throw error;
 *   using _guard = error.guard; // repair the shared data, then release
 * }
 * assert.equal(lock.locked(), false);
 * ```
 */
export class LockAbandonedError extends Error {
  /** The guard of the acquisition that took the lock over. */
  readonly guard: Guard;

  /**
   * Creates the error.
   *
   * @param message What was abandoned.
   * @param guard The guard of the acquisition that took the lock over.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, guard: Guard, options?: ErrorOptions) {
    super(message, options);
    this.name = "LockAbandonedError";
    this.guard = guard;
  }
}
