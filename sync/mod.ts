/**
 * Synchronisation primitives that work across workers: Python's
 * `multiprocessing` `Lock`, `RLock`, `Semaphore`, `BoundedSemaphore`,
 * `Condition`, `Event` and `Barrier`, built on `Atomics` over a
 * `SharedArrayBuffer`. Every primitive crosses into a worker through the
 * shareable protocol and works there on the same memory; every wait has an
 * async form (`signal`, `timeout`) and a blocking `…Sync` twin.
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
