/**
 * Synchronisation primitives that work across workers: Python's
 * `multiprocessing` `Lock`, `RLock`, `Semaphore`, `BoundedSemaphore`,
 * `Condition`, `Event` and `Barrier`, built on `Atomics` over a
 * `SharedArrayBuffer`. They need no permission flag.
 *
 * - Every primitive crosses into a worker (a `Process`, a `Pool` task, a
 *   `Queue` message) and works there on the same memory.
 * - Every wait has an async form that takes `signal` and `timeout` (ms) and
 *   leaves no waiter behind when it gives up, and a blocking `…Sync` twin
 *   (`Atomics.wait`: fine in workers; on the main thread it stalls the event
 *   loop). Non-waiting forms start with `try`.
 * - `acquire()` returns a `Disposable` guard: `using _ = await
 *   lock.acquire();` releases at the end of the scope.
 * - Locks are robust: when a worker dies holding one, the next acquirer gets
 *   the lock together with a `LockAbandonedError`, instead of a deadlock.
 * - Waiters spin for a few microseconds before they sleep, so short critical
 *   sections hand over without the cost of waking a sleeping thread.
 *
 * @example Guard a critical section
 * ```ts
 * import { Lock } from "@mp/multiprocessing/sync";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * {
 *   using _guard = await lock.acquire({ timeout: 1000 });
 *   assert.equal(lock.locked(), true);
 * }
 * assert.equal(lock.locked(), false);
 * ```
 *
 * @module
 */
export * from "./barrier.ts";
export * from "./bounded_semaphore.ts";
export * from "./condition.ts";
export * from "./event.ts";
export * from "./guard.ts";
export * from "./lock.ts";
export * from "./lock_abandoned_error.ts";
export * from "./rlock.ts";
export * from "./semaphore.ts";
export * from "./wait_options.ts";
