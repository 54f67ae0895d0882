/**
 * `LockProxy` and `RLockProxy`: locks that live on a Manager.
 *
 * @module
 */
import { BaseProxy, type ProxyWaitOptions } from "./base_proxy.ts";
import { invoke } from "./_proxy_reference.ts";
import { acquireGuard, tryAcquireGuard } from "./_proxy_acquire.ts";

/**
 * Proof of one acquisition of a Manager lock or semaphore. `await using`
 * releases it at the end of the scope; `using` does too, without waiting
 * for the server's answer (calls made after it on the same manager still
 * see it released, as they travel in order).
 */
export interface ProxyGuard extends AsyncDisposable, Disposable {
  /** Releases this acquisition; later calls do nothing. */
  release(): Promise<void>;
}

/**
 * A lock held by a Manager (Python's `manager.Lock()`), usable from any
 * process or machine that can reach the manager. Any client may release
 * it, as in Python. If the client holding it disconnects (its process
 * died), the manager releases it, so nobody waits forever.
 *
 * @example
 * ```ts
 * import { Manager } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager.start();
 * const lock = await manager.lock();
 * {
 *   await using _held = await lock.acquire();
 *   assert.equal(await lock.locked(), true);
 *   assert.equal(await lock.tryAcquire(), undefined);
 *   await assert.rejects(lock.acquire({ timeout: 10 }), { name: "TimeoutError" });
 * }
 * assert.equal(await lock.locked(), false);
 * ```
 */
export class LockProxy extends BaseProxy {
  /**
   * Waits until the lock is free and takes it.
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
   * @returns A guard, or `undefined` when it is held.
   */
  async tryAcquire(): Promise<ProxyGuard | undefined> {
    return await tryAcquireGuard(this);
  }

  /**
   * Releases the lock.
   *
   * @throws {RangeError} when it is not locked (or, for `RLockProxy`, held
   * by another client).
   */
  async release(): Promise<void> {
    await invoke(this, "release", []);
  }

  /**
   * Whether the lock is held.
   *
   * @returns `true` when held.
   */
  locked(): Promise<boolean> {
    return invoke(this, "locked", []) as Promise<boolean>;
  }
}

/**
 * A reentrant lock held by a Manager (Python's `manager.RLock()`): the
 * client holding it (one connection per thread) may acquire it again, and
 * must release it as many times; other clients cannot release it.
 *
 * @example
 * ```ts
 * import { Manager } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager.start();
 * const rlock = await manager.rlock();
 * await using _outer = await rlock.acquire();
 * await using _inner = await rlock.acquire();
 * assert.equal(await rlock.locked(), true);
 * ```
 */
export class RLockProxy extends LockProxy {}
