/**
 * The handle that a successful `acquire()` returns.
 *
 * @module
 */

/**
 * Proof of one successful acquisition of a `Lock`, `RLock`, `Semaphore` or
 * `BoundedSemaphore`. Releasing it (by `release()`, or at the end of a
 * `using` scope) releases that acquisition once; releasing it again does
 * nothing.
 *
 * @example Release at the end of a scope
 * ```ts
 * import { Lock } from "@mp/multiprocessing/sync";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * {
 *   using _guard = await lock.acquire();
 *   assert.equal(lock.locked(), true);
 * }
 * assert.equal(lock.locked(), false);
 * ```
 */
export interface Guard extends Disposable {
  /**
   * Releases the acquisition this guard stands for; later calls do nothing.
   *
   * @example Release early
   * ```ts
   * import { Lock } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * const guard = await lock.acquire();
   * guard.release();
   * guard.release(); // no effect
   * assert.equal(lock.locked(), false);
   * ```
   */
  release(): void;
}
