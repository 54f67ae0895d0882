/**
 * `SemaphoreProxy` and `BoundedSemaphoreProxy`: counters of permits that
 * live on a Manager.
 *
 * @module
 */
import { BaseProxy, type ProxyWaitOptions } from "./base_proxy.ts";
import { invoke } from "./_proxy_reference.ts";
import { acquireGuard, tryAcquireGuard } from "./_proxy_acquire.ts";
import type { ProxyGuard } from "./lock_proxy.ts";

/**
 * A semaphore held by a Manager (Python's `manager.Semaphore()`).
 *
 * @example
 * ```ts
 * import { Manager } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager.start();
 * const sem = await manager.semaphore(2);
 * const a = await sem.acquire();
 * await using _b = await sem.acquire();
 * assert.equal(await sem.tryAcquire(), undefined);
 * await a.release();
 * assert.equal(await sem.value(), 1);
 * ```
 */
export class SemaphoreProxy extends BaseProxy {
  /**
   * Waits for a permit and takes it.
   *
   * @param options `signal` and `timeout`.
   * @returns A guard that gives the permit back.
   * @throws {DOMException} `TimeoutError` when `timeout` passes first.
   */
  async acquire(options: ProxyWaitOptions = {}): Promise<ProxyGuard> {
    return await acquireGuard(this, options);
  }

  /**
   * Takes a permit if one is free, without waiting.
   *
   * @returns A guard, or `undefined` when none is free.
   */
  async tryAcquire(): Promise<ProxyGuard | undefined> {
    return await tryAcquireGuard(this);
  }

  /**
   * Gives a permit back (waking one waiter).
   *
   * @throws {RangeError} for a `BoundedSemaphoreProxy` released more often
   * than acquired.
   */
  async release(): Promise<void> {
    await invoke(this, "release", []);
  }

  /**
   * The number of free permits.
   *
   * @returns The count.
   */
  value(): Promise<number> {
    return invoke(this, "value", []) as Promise<number>;
  }
}

/**
 * A semaphore that refuses to be released above its initial value
 * (Python's `manager.BoundedSemaphore()`).
 *
 * @example
 * ```ts
 * import { Manager } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager.start();
 * const sem = await manager.boundedSemaphore(1);
 * await assert.rejects(sem.release(), RangeError);
 * ```
 */
export class BoundedSemaphoreProxy extends SemaphoreProxy {}
