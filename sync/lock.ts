/**
 * `Lock`: a mutual-exclusion lock that works across workers.
 *
 * @module
 */
import { agentId } from "./_agent.ts";
import { checkWaitOptions } from "./_futex.ts";
import { LockGuard } from "./_guard.ts";
import { registerLockHooks } from "./_lockable.ts";
import {
  lockAsync,
  lockSync,
  OWNER,
  settleLock,
  tryLock,
  unlock,
} from "./_mutex.ts";
import { regionData, regionFrom, regionOf } from "./_region.ts";
import { describe, revive } from "./_shareable.ts";
import type { Guard } from "./guard.ts";
import type { WaitOptions, WaitSyncOptions } from "./wait_options.ts";

/**
 * Options of `new Lock()`.
 *
 * @example
 * ```ts
 * import { Lock } from "@mp/multiprocessing/sync";
 * import assert from "node:assert/strict";
 *
 * const words = new Int32Array(new SharedArrayBuffer(8));
 * const lock = new Lock({ memory: words.subarray(1) });
 * using _guard = lock.acquireSync();
 * assert.notEqual(Atomics.load(words, 1), 0);
 * ```
 */
export interface LockOptions {
  /**
   * Shared memory to keep the lock in: its first word (an `Int32Array` over a
   * `SharedArrayBuffer`, at least 1 word long, initially `0`). Lets a lock
   * live next to the data it protects. Default: a fresh buffer of its own.
   */
  memory?: Int32Array;
}

/**
 * A lock that one agent (the main thread or a worker) holds at a time,
 * Python's `multiprocessing.Lock`. It lives in a `SharedArrayBuffer`, so
 * every worker that receives it (through the shareable protocol) works on the
 * same lock. As in Python, any agent may release it, and it is not
 * re-entrant (see `RLock`). A holder that dies does not deadlock the others:
 * the next acquirer gets `LockAbandonedError`.
 *
 * @example Guard a critical section
 * ```ts
 * import { Lock } from "@mp/multiprocessing/sync";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * let balance = 0;
 * await Promise.all([1, 2, 3].map(async (n) => {
 *   using _guard = await lock.acquire();
 *   const read = balance;
 *   await Promise.resolve();
 *   balance = read + n;
 * }));
 * assert.equal(balance, 6);
 * ```
 */
export class Lock {
  readonly #i32: Int32Array;

  /**
   * Creates an unlocked lock.
   *
   * @param options Where the lock lives.
   * @throws {TypeError} When `memory` is not an `Int32Array` over a
   * `SharedArrayBuffer`.
   * @throws {RangeError} When `memory` is empty.
   *
   * @example Keep a lock inside a larger shared buffer
   * ```ts
   * import { Lock } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const words = new Int32Array(new SharedArrayBuffer(16));
   * const lock = new Lock({ memory: words.subarray(3) });
   * using _guard = lock.acquireSync();
   * assert.notEqual(Atomics.load(words, 3), 0);
   * ```
   */
  constructor(options?: LockOptions) {
    this.#i32 = regionOf("Lock", 1, options?.memory);
    registerLockHooks(this, {
      owned: () => (Atomics.load(this.#i32, 0) & OWNER) === agentId(),
      save: () => {
        this.release();
        return 1;
      },
      restore: () => {},
    });
  }

  /**
   * Acquires the lock, waiting without blocking the thread.
   *
   * @param options `signal` and `timeout` (ms) of the wait.
   * @returns A guard that releases the lock (also at the end of a `using`
   * scope).
   * @throws {LockAbandonedError} When the holder died holding the lock: the
   * caller now holds it, through `error.guard`.
   * @throws {DOMException} `TimeoutError` when `timeout` elapses first.
   * @throws {unknown} `signal.reason` when `signal` aborts first.
   *
   * @example Acquire with a timeout
   * ```ts
   * import { Lock } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * using _guard = await lock.acquire({ timeout: 1000 });
   * assert.equal(lock.locked(), true);
   * ```
   */
  async acquire(options?: WaitOptions): Promise<Guard> {
    const timeout = checkWaitOptions("acquire Lock", options);
    const signal = options?.signal;
    signal?.throwIfAborted();
    const result = await lockAsync(this.#i32, 0, agentId(), timeout, signal);
    return settleLock("Lock", result, this, timeout, signal)!;
  }

  /**
   * Acquires the lock, blocking the thread with `Atomics.wait` (allowed in
   * workers and on Deno's main thread, where it stalls the event loop: never
   * wait there for something only the same thread's event loop can do).
   *
   * @param options `timeout` (ms) of the wait.
   * @returns A guard that releases the lock.
   * @throws {LockAbandonedError} When the holder died holding the lock.
   * @throws {DOMException} `TimeoutError` when `timeout` elapses first.
   *
   * @example Block until acquired
   * ```ts
   * import { Lock } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * using _guard = lock.acquireSync();
   * assert.equal(lock.locked(), true);
   * ```
   */
  acquireSync(options?: WaitSyncOptions): Guard {
    const me = agentId();
    // The hot path: no options, and the lock is free.
    if (
      options === undefined &&
      Atomics.compareExchange(this.#i32, 0, 0, me) === 0
    ) {
      return new LockGuard(this);
    }
    const timeout = checkWaitOptions("acquire Lock", options);
    const result = lockSync(this.#i32, 0, me, timeout);
    return settleLock("Lock", result, this, timeout, undefined)!;
  }

  /**
   * Acquires the lock if it is free, without waiting.
   *
   * @returns A guard, or `undefined` when another holder has it.
   * @throws {LockAbandonedError} When the holder died holding the lock.
   *
   * @example Skip work when someone else holds the lock
   * ```ts
   * import { Lock } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * const first = lock.tryAcquire();
   * assert.notEqual(first, undefined);
   * assert.equal(lock.tryAcquire(), undefined);
   * first?.release();
   * ```
   */
  tryAcquire(): Guard | undefined {
    const result = tryLock(this.#i32, 0, agentId());
    return settleLock("Lock", result, this, 0, undefined);
  }

  /**
   * Releases the lock, waking one waiter. Any agent may release it (as in
   * Python); prefer releasing through the guard.
   *
   * @throws {RangeError} When the lock is not locked.
   *
   * @example Release by hand
   * ```ts
   * import { Lock } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * lock.acquireSync();
   * lock.release();
   * assert.throws(() => lock.release(), RangeError);
   * ```
   */
  release(): void {
    if ((unlock(this.#i32, 0) & OWNER) === 0) {
      throw new RangeError("Cannot release Lock as it is not locked");
    }
  }

  /**
   * Whether some agent holds the lock right now.
   *
   * @returns `true` while locked.
   *
   * @example
   * ```ts
   * import { Lock } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * assert.equal(lock.locked(), false);
   * ```
   */
  locked(): boolean {
    return (Atomics.load(this.#i32, 0) & OWNER) !== 0;
  }

  /**
   * Describes this lock for the shareable protocol: kind `"sync.Lock"`, data
   * `{ buffer, offset }`.
   *
   * @returns The description.
   *
   * @example Hand a lock to a worker by hand
   * ```ts
   * import { Lock } from "@mp/multiprocessing/sync";
   * import { describe, revive } from "../sync/_shareable.ts";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * const { kind, data } = lock[describe]();
   * assert.equal(kind, "sync.Lock");
   * const twin = Lock[revive](structuredClone(data) as never);
   * using _guard = twin.acquireSync();
   * assert.equal(lock.locked(), true);
   * ```
   */
  [describe](): {
    kind: "sync.Lock";
    data: { buffer: SharedArrayBuffer; offset: number };
  } {
    return { kind: "sync.Lock", data: regionData(this.#i32) };
  }

  /**
   * Rebuilds a lock over the memory of a `"sync.Lock"` description.
   *
   * @param data The description's data.
   * @returns A lock over the same memory.
   * @throws {TypeError} When `data` is not a lock's description data.
   *
   * @example
   * ```ts
   * import { Lock } from "@mp/multiprocessing/sync";
   * import { describe, revive } from "../sync/_shareable.ts";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * const twin = Lock[revive](lock[describe]().data as never);
   * using _guard = lock.acquireSync();
   * assert.equal(twin.locked(), true);
   * ```
   */
  static [revive](data: { buffer: SharedArrayBuffer; offset: number }): Lock {
    return new Lock({ memory: regionFrom("Lock", 1, data) });
  }
}
