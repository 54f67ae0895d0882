/**
 * `ConditionProxy`: a condition variable that lives on a Manager.
 *
 * @module
 */
import { BaseProxy, type ProxyWaitOptions } from "./base_proxy.ts";
import { invoke } from "./_proxy_reference.ts";
import { acquireGuard, tryAcquireGuard } from "./_proxy_acquire.ts";
import type { ProxyGuard } from "./lock_proxy.ts";

/**
 * A condition variable held by a Manager (Python's `manager.Condition()`),
 * with its own reentrant lock. `wait()` releases the lock, waits for a
 * `notify()`, and takes the lock back before it returns (also when it
 * times out, then rejecting with `TimeoutError`).
 *
 * @example
 * ```ts
 * import { Manager } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager.start();
 * const cond = await manager.condition();
 * const items = await manager.list<number>();
 * await using _held = await cond.acquire();
 * await assert.rejects(cond.wait({ timeout: 10 }), { name: "TimeoutError" });
 * await items.append(1);
 * await cond.notifyAll();
 * assert.equal(await items.length(), 1);
 * ```
 */
export class ConditionProxy extends BaseProxy {
  /**
   * Takes the condition's lock.
   *
   * @param options `signal` and `timeout`.
   * @returns A guard that releases it.
   * @throws {DOMException} `TimeoutError` when `timeout` passes first.
   */
  async acquire(options: ProxyWaitOptions = {}): Promise<ProxyGuard> {
    return await acquireGuard(this, options);
  }

  /**
   * Takes the lock if it is free, without waiting.
   *
   * @returns A guard, or `undefined`.
   */
  async tryAcquire(): Promise<ProxyGuard | undefined> {
    return await tryAcquireGuard(this);
  }

  /**
   * Releases the lock.
   *
   * @throws {RangeError} when this client does not hold it.
   */
  async release(): Promise<void> {
    await invoke(this, "release", []);
  }

  /**
   * Releases the lock, waits for a notification, takes the lock back.
   *
   * @param options `signal` and `timeout`.
   * @throws {RangeError} when this client does not hold the lock.
   * @throws {DOMException} `TimeoutError` when `timeout` passes first.
   */
  async wait(options: ProxyWaitOptions = {}): Promise<void> {
    await invoke(this, "wait", [{ timeout: options.timeout }], options);
  }

  /**
   * Wakes up to `n` waiters.
   *
   * @param n How many. Default `1`.
   * @throws {RangeError} when this client does not hold the lock.
   */
  async notify(n = 1): Promise<void> {
    await invoke(this, "notify", [n]);
  }

  /**
   * Wakes every waiter.
   *
   * @throws {RangeError} when this client does not hold the lock.
   */
  async notifyAll(): Promise<void> {
    await invoke(this, "notifyAll", []);
  }
}
