/**
 * Options shared by every call of `sync/` that can wait.
 *
 * @module
 */

/**
 * Options of a call that waits without blocking (`acquire`, `wait`, …).
 *
 * @example Give up after 10 ms
 * ```ts
 * import { Lock } from "@mp/multiprocessing/sync";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * using _held = await lock.acquire();
 * await assert.rejects(lock.acquire({ timeout: 10 }), { name: "TimeoutError" });
 * ```
 */
export interface WaitOptions {
  /**
   * Aborts the wait: the call rejects with `signal.reason` and leaves no
   * waiter behind. Default: none.
   */
  signal?: AbortSignal;
  /**
   * Milliseconds to wait before rejecting with a `DOMException` named
   * `"TimeoutError"`; `0` tries once. Default: `Infinity` (no limit).
   */
  timeout?: number;
}

/**
 * Options of a call that blocks its thread (`acquireSync`, `waitSync`, …).
 *
 * @example Give up after 10 ms
 * ```ts
 * import { Lock } from "@mp/multiprocessing/sync";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * using _held = lock.acquireSync();
 * assert.throws(() => lock.acquireSync({ timeout: 10 }), { name: "TimeoutError" });
 * ```
 */
export interface WaitSyncOptions {
  /**
   * Milliseconds to block before throwing a `DOMException` named
   * `"TimeoutError"`; `0` tries once. Default: `Infinity` (no limit).
   */
  timeout?: number;
}
