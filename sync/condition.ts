/**
 * `Condition`: a condition variable that works across workers. How it
 * waits on its lock is in `_condition_wait.ts`, its waiter queue in
 * `_waiter_queue.ts`.
 *
 * @module
 */
import { ConditionWaits } from "./_condition_wait.ts";
import { lockHooksOf } from "./_lockable.ts";
import { describeValue, regionFrom, regionOf } from "./_region.ts";
import { describe, revive } from "./_shareable.ts";
import { HEADER_WORDS, slotsFor, WaiterQueue } from "./_waiter_queue.ts";
import type { Guard } from "./guard.ts";
import { Lock } from "./lock.ts";
import { RLock } from "./rlock.ts";
import type { WaitOptions, WaitSyncOptions } from "./wait_options.ts";

/**
 * Options of `new Condition()`.
 *
 * @example
 * ```ts
 * import { Condition } from "@mp/multiprocessing/sync";
 * import assert from "node:assert/strict";
 *
 * const condition = new Condition(undefined, { maxWaiters: 2 });
 * using _guard = condition.acquireSync();
 * assert.equal(condition.notify(), 0);
 * ```
 */
export interface ConditionOptions {
  /**
   * How many agents may wait at once; rounded up to a power of two. Default:
   * `64`.
   */
  maxWaiters?: number;
  /**
   * Shared memory to keep the waiter queue in: its first `2 + maxWaiters`
   * words (rounded as above; an `Int32Array` over a `SharedArrayBuffer`,
   * initially `0`). Default: a fresh buffer of its own.
   */
  memory?: Int32Array;
}

/**
 * What a condition's description carries (the data of its
 * `"sync.Condition"` description).
 */
export interface ConditionData {
  /** The shared buffer holding the waiter queue. */
  buffer: SharedArrayBuffer;
  /** Byte offset of the queue in `buffer`. */
  offset: number;
  /** The number of slots of the ring. */
  slots: number;
  /** The description of the lock. */
  lock: {
    kind: "sync.Lock" | "sync.RLock";
    data: { buffer: SharedArrayBuffer; offset: number };
  };
}

/**
 * A condition variable, Python's `multiprocessing.Condition`: agents that
 * hold its lock `wait()` (releasing the lock while they sleep) until another
 * agent that holds the lock calls `notify()`. `notify(n)` wakes at most `n`
 * waiters, oldest first. The lock is an `RLock` unless one is given; the
 * condition's own `acquire()` and `release()` act on it.
 *
 * @example Wait until a value is ready
 * ```ts
 * import { Condition } from "@mp/multiprocessing/sync";
 * import assert from "node:assert/strict";
 *
 * const condition = new Condition();
 * let value = 0;
 * setTimeout(async () => {
 *   using _guard = await condition.acquire();
 *   value = 42;
 *   condition.notifyAll();
 * }, 1);
 * {
 *   using _guard = await condition.acquire();
 *   await condition.waitFor(() => value !== 0, { timeout: 5000 });
 * }
 * assert.equal(value, 42);
 * ```
 */
export class Condition {
  readonly #i32: Int32Array;
  readonly #slots: number;
  readonly #lock: Lock | RLock;
  readonly #waits: ConditionWaits;

  /**
   * Creates a condition over `lock`.
   *
   * @param lock The lock that guards the shared state. Default: a new
   * `RLock`.
   * @param options Queue size and memory.
   * @throws {TypeError} When `lock` is not a `Lock` or `RLock`, or `memory`
   * is not an `Int32Array` over a `SharedArrayBuffer`.
   * @throws {RangeError} When `maxWaiters` is not a positive integer up to
   * 2^20, or `memory` is too small.
   *
   * @example Over a plain `Lock`
   * ```ts
   * import { Condition, Lock } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * const condition = new Condition(lock);
   * assert.equal(condition.lock, lock);
   * ```
   */
  constructor(lock?: Lock | RLock, options?: ConditionOptions) {
    const chosen = lock ?? new RLock();
    const hooks = lockHooksOf(chosen);
    if (hooks === undefined) {
      throw new TypeError(
        `Cannot create Condition as lock must be a Lock or RLock: received ${
          describeValue(lock)
        }`,
      );
    }
    this.#slots = slotsFor(options?.maxWaiters ?? 64);
    this.#i32 = regionOf(
      "Condition",
      HEADER_WORDS + this.#slots,
      options?.memory,
    );
    this.#lock = chosen;
    this.#waits = new ConditionWaits(
      new WaiterQueue(this.#i32, this.#slots),
      chosen,
      hooks,
    );
  }

  /**
   * The lock this condition waits with.
   *
   * @returns The `Lock` or `RLock` given to the constructor.
   */
  get lock(): Lock | RLock {
    return this.#lock;
  }

  /**
   * Acquires the lock (see `Lock.acquire`).
   *
   * @param options `signal` and `timeout` (ms) of the wait.
   * @returns A guard that releases the lock.
   * @throws {LockAbandonedError} When the holder died holding the lock.
   * @throws {DOMException} `TimeoutError` when `timeout` elapses first.
   * @throws {unknown} `signal.reason` when `signal` aborts first.
   */
  acquire(options?: WaitOptions): Promise<Guard> {
    return this.#lock.acquire(options);
  }

  /**
   * Acquires the lock, blocking the thread (see `Lock.acquireSync`).
   *
   * @param options `timeout` (ms) of the wait.
   * @returns A guard that releases the lock.
   * @throws {LockAbandonedError} When the holder died holding the lock.
   * @throws {DOMException} `TimeoutError` when `timeout` elapses first.
   */
  acquireSync(options?: WaitSyncOptions): Guard {
    return this.#lock.acquireSync(options);
  }

  /**
   * Acquires the lock if that needs no waiting.
   *
   * @returns A guard, or `undefined` when another agent holds the lock.
   * @throws {LockAbandonedError} When the holder died holding the lock.
   */
  tryAcquire(): Guard | undefined {
    return this.#lock.tryAcquire();
  }

  /**
   * Releases the lock once.
   *
   * @throws {Error} When the lock is not held (by this agent, for an
   * `RLock`).
   */
  release(): void {
    this.#lock.release();
  }

  /**
   * Releases the lock, waits (without blocking the thread) until notified,
   * then acquires the lock again, as many times as it was held, before
   * returning or throwing. The caller must hold the lock.
   *
   * A wake-up is never spurious, but the state may have changed again by
   * the time the lock is back: check it, or use `waitFor()`.
   *
   * @param options `signal` and `timeout` (ms) of the wait.
   * @returns Once notified and holding the lock again.
   * @throws {Error} When the calling agent does not hold the lock.
   * @throws {RangeError} When `maxWaiters` agents wait already.
   * @throws {DOMException} `TimeoutError` when `timeout` elapses before a
   * notify (a notify that races the timeout wins).
   * @throws {unknown} `signal.reason` when `signal` aborts before a notify.
   * @throws {LockAbandonedError} When the lock's holder died meanwhile.
   *
   * @example
   * ```ts
   * import { Condition } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const condition = new Condition();
   * using _guard = await condition.acquire();
   * await assert.rejects(condition.wait({ timeout: 1 }), {
   *   name: "TimeoutError",
   * });
   * assert.equal(condition.lock.locked(), true); // held again
   * ```
   */
  wait(options?: WaitOptions): Promise<void> {
    return this.#waits.wait(options);
  }

  /**
   * Like `wait()`, blocking the thread with `Atomics.wait` (on the main
   * thread this stalls the event loop).
   *
   * @param options `timeout` (ms) of the wait.
   * @throws {Error} When the calling agent does not hold the lock.
   * @throws {RangeError} When `maxWaiters` agents wait already.
   * @throws {DOMException} `TimeoutError` when `timeout` elapses before a
   * notify.
   * @throws {LockAbandonedError} When the lock's holder died meanwhile.
   *
   * @example
   * ```ts
   * import { Condition } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const condition = new Condition();
   * using _guard = condition.acquireSync();
   * assert.throws(() => condition.waitSync({ timeout: 1 }), {
   *   name: "TimeoutError",
   * });
   * ```
   */
  waitSync(options?: WaitSyncOptions): void {
    this.#waits.waitSync(options);
  }

  /**
   * Waits (as `wait()`) until `predicate()` returns a truthy value, checking
   * it first and after every wake-up, with the lock held. The caller must
   * hold the lock.
   *
   * @param predicate Reads the shared state; called with the lock held.
   * @param options `signal` and `timeout` (ms) of the whole wait.
   * @returns The truthy value `predicate` returned.
   * @throws {DOMException} `TimeoutError` when `timeout` elapses first.
   * @throws {unknown} `signal.reason` when `signal` aborts first.
   * @throws {Error} When the calling agent does not hold the lock.
   *
   * @example
   * ```ts
   * import { Condition } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const condition = new Condition();
   * using _guard = await condition.acquire();
   * assert.equal(await condition.waitFor(() => "ready"), "ready");
   * ```
   */
  waitFor<T>(predicate: () => T, options?: WaitOptions): Promise<T> {
    return this.#waits.waitFor(predicate, options, this);
  }

  /**
   * Like `waitFor()`, blocking the thread with `Atomics.wait`.
   *
   * @param predicate Reads the shared state; called with the lock held.
   * @param options `timeout` (ms) of the whole wait.
   * @returns The truthy value `predicate` returned.
   * @throws {DOMException} `TimeoutError` when `timeout` elapses first.
   * @throws {Error} When the calling agent does not hold the lock.
   *
   * @example
   * ```ts
   * import { Condition } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const condition = new Condition();
   * using _guard = condition.acquireSync();
   * assert.equal(condition.waitForSync(() => 1), 1);
   * ```
   */
  waitForSync<T>(predicate: () => T, options?: WaitSyncOptions): T {
    return this.#waits.waitForSync(predicate, options, this);
  }

  /**
   * Wakes at most `n` waiters, oldest first. The caller must hold the lock;
   * the woken waiters run once it is released.
   *
   * @param n How many waiters to wake at most. Default: `1`.
   * @returns How many waiters it woke.
   * @throws {Error} When the calling agent does not hold the lock.
   * @throws {TypeError} When `n` is not a number.
   * @throws {RangeError} When `n` is negative or not an integer.
   *
   * @example
   * ```ts
   * import { Condition } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const condition = new Condition();
   * using _guard = condition.acquireSync();
   * assert.equal(condition.notify(), 0); // nobody waits
   * ```
   */
  notify(n: number = 1): number {
    return this.#waits.notify(n);
  }

  /**
   * Wakes every waiter. The caller must hold the lock.
   *
   * @returns How many waiters it woke.
   * @throws {Error} When the calling agent does not hold the lock.
   *
   * @example
   * ```ts
   * import { Condition } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const condition = new Condition();
   * using _guard = condition.acquireSync();
   * assert.equal(condition.notifyAll(), 0);
   * ```
   */
  notifyAll(): number {
    return this.notify(Infinity);
  }

  /**
   * Describes this condition for the shareable protocol: kind
   * `"sync.Condition"`, data `{ buffer, offset, slots, lock }` (the lock's
   * own description).
   *
   * @returns The description.
   */
  [describe](): { kind: "sync.Condition"; data: ConditionData } {
    return {
      kind: "sync.Condition",
      data: {
        buffer: this.#i32.buffer as SharedArrayBuffer,
        offset: this.#i32.byteOffset,
        slots: this.#slots,
        lock: this.#lock[describe](),
      },
    };
  }

  /**
   * Rebuilds a condition, and its lock, over the memory of a
   * `"sync.Condition"` description.
   *
   * @param data The description's data.
   * @returns A condition over the same memory.
   * @throws {TypeError} When `data` is not a condition's description data.
   */
  static [revive](data: ConditionData): Condition {
    const slots = data?.slots;
    const kind = data?.lock?.kind;
    if (
      typeof slots !== "number" || !Number.isInteger(Math.log2(slots)) ||
      (kind !== "sync.Lock" && kind !== "sync.RLock")
    ) {
      throw new TypeError(
        `Cannot revive Condition as its data must be { buffer, offset, slots, lock }: received ${
          describeValue(data)
        }`,
      );
    }
    const lock = kind === "sync.Lock"
      ? Lock[revive](data.lock.data)
      : RLock[revive](data.lock.data);
    return new Condition(lock, {
      maxWaiters: slots,
      memory: regionFrom("Condition", HEADER_WORDS + slots, data),
    });
  }
}
