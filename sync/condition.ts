/**
 * `Condition`: a condition variable that works across workers.
 *
 * The waiter queue (who waits, who is woken, and how a timeout that races a
 * notify is settled) lives in `_waiter_queue.ts`; this file adds the lock:
 * a waiter queues while holding it, releases it completely while it sleeps,
 * and takes it back before returning or throwing.
 *
 * @module
 */
import {
  checkWaitOptions,
  Deadline,
  runAsync,
  runSync,
  timeoutError,
} from "./_futex.ts";
import { type LockHooks, lockHooksOf } from "./_lockable.ts";
import { describeValue, regionFrom, regionOf } from "./_region.ts";
import { describe, revive } from "./_shareable.ts";
import {
  HEADER_WORDS,
  MAX_SLOTS,
  slotsFor,
  WaiterQueue,
} from "./_waiter_queue.ts";
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
 *
 * @example
 * ```ts
 * import { Condition, type ConditionData } from "@mp/multiprocessing/sync";
 * import { describe } from "../sync/_shareable.ts";
 * import assert from "node:assert/strict";
 *
 * const data: ConditionData = new Condition()[describe]().data;
 * assert.equal(data.slots, 64);
 * ```
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
  readonly #queue: WaiterQueue;
  readonly #lock: Lock | RLock;
  readonly #hooks: LockHooks;

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
    const maxWaiters = options?.maxWaiters ?? 64;
    if (
      typeof maxWaiters !== "number" || !Number.isInteger(maxWaiters) ||
      maxWaiters < 1 || maxWaiters > MAX_SLOTS
    ) {
      const error = typeof maxWaiters === "number" ? RangeError : TypeError;
      throw new error(
        `Cannot create Condition as maxWaiters must be an integer from 1 to ${MAX_SLOTS}: received ${
          describeValue(maxWaiters)
        }`,
      );
    }
    this.#slots = slotsFor(maxWaiters);
    this.#i32 = Condition.#reviving ??
      regionOf("Condition", HEADER_WORDS + this.#slots, options?.memory);
    this.#queue = new WaiterQueue(this.#i32, this.#slots);
    this.#lock = chosen;
    this.#hooks = hooks;
  }

  /**
   * The lock this condition waits with.
   *
   * @returns The `Lock` or `RLock` given to the constructor.
   *
   * @example
   * ```ts
   * import { Condition, RLock } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * assert.ok(new Condition().lock instanceof RLock);
   * ```
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
   *
   * @example
   * ```ts
   * import { Condition } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const condition = new Condition();
   * using _guard = await condition.acquire();
   * assert.equal(condition.lock.locked(), true);
   * ```
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
   *
   * @example
   * ```ts
   * import { Condition } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const condition = new Condition();
   * using _guard = condition.acquireSync();
   * assert.equal(condition.lock.locked(), true);
   * ```
   */
  acquireSync(options?: WaitSyncOptions): Guard {
    return this.#lock.acquireSync(options);
  }

  /**
   * Acquires the lock if that needs no waiting.
   *
   * @returns A guard, or `undefined` when another agent holds the lock.
   * @throws {LockAbandonedError} When the holder died holding the lock.
   *
   * @example
   * ```ts
   * import { Condition } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * using guard = new Condition().tryAcquire();
   * assert.notEqual(guard, undefined);
   * ```
   */
  tryAcquire(): Guard | undefined {
    return this.#lock.tryAcquire();
  }

  /**
   * Releases the lock once.
   *
   * @throws {Error} When the lock is not held (by this agent, for an
   * `RLock`).
   *
   * @example
   * ```ts
   * import { Condition } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const condition = new Condition();
   * condition.acquireSync();
   * condition.release();
   * assert.equal(condition.lock.locked(), false);
   * ```
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
  async wait(options?: WaitOptions): Promise<void> {
    const timeout = checkWaitOptions("wait on Condition", options);
    const signal = options?.signal;
    signal?.throwIfAborted();
    const ticket = this.#enqueue();
    const saved = this.#hooks.save();
    let outcome;
    try {
      outcome = await runAsync(this.#queue.waiting(ticket, timeout), signal);
    } finally {
      await this.#reacquire(saved, () => this.#lock.acquire());
    }
    if (outcome === "aborted") throw signal?.reason;
    if (outcome === "timed-out") {
      throw timeoutError("wait on Condition", timeout);
    }
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
    const timeout = checkWaitOptions("wait on Condition", options);
    const ticket = this.#enqueue();
    const saved = this.#hooks.save();
    let outcome;
    try {
      outcome = runSync(this.#queue.waiting(ticket, timeout));
    } finally {
      this.#reacquireSync(saved);
    }
    if (outcome === "timed-out") {
      throw timeoutError("wait on Condition", timeout);
    }
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
  async waitFor<T>(predicate: () => T, options?: WaitOptions): Promise<T> {
    const timeout = checkWaitOptions("wait on Condition", options);
    const deadline = new Deadline(timeout);
    for (;;) {
      const result = predicate();
      if (result) return result;
      const remaining = deadline.remaining();
      if (remaining === 0) throw timeoutError("wait on Condition", timeout);
      const signal = options?.signal;
      await this.wait(
        signal === undefined
          ? { timeout: remaining }
          : { timeout: remaining, signal },
      );
    }
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
    const timeout = checkWaitOptions("wait on Condition", options);
    const deadline = new Deadline(timeout);
    for (;;) {
      const result = predicate();
      if (result) return result;
      const remaining = deadline.remaining();
      if (remaining === 0) throw timeoutError("wait on Condition", timeout);
      this.waitSync({ timeout: remaining });
    }
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
    if (typeof n !== "number") {
      throw new TypeError(
        `Cannot notify Condition as n must be a number: received ${
          describeValue(n)
        }`,
      );
    }
    if (!(n >= 0) || (!Number.isInteger(n) && n !== Infinity)) {
      throw new RangeError(
        `Cannot notify Condition as n must be a non-negative integer: received ${
          describeValue(n)
        }`,
      );
    }
    this.#checkOwned("notify Condition");
    return this.#queue.notify(n);
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
   *
   * @example
   * ```ts
   * import { Condition } from "@mp/multiprocessing/sync";
   * import { describe } from "../sync/_shareable.ts";
   * import assert from "node:assert/strict";
   *
   * const { kind, data } = new Condition()[describe]();
   * assert.equal(kind, "sync.Condition");
   * assert.equal(data.lock.kind, "sync.RLock");
   * ```
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
   *
   * @example
   * ```ts
   * import { Condition } from "@mp/multiprocessing/sync";
   * import { describe, revive } from "../sync/_shareable.ts";
   * import assert from "node:assert/strict";
   *
   * const condition = new Condition();
   * const twin = Condition[revive](condition[describe]().data);
   * using _guard = twin.acquireSync();
   * assert.equal(condition.lock.locked(), true);
   * ```
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
    Condition.#reviving = regionFrom("Condition", HEADER_WORDS + slots, data);
    try {
      return new Condition(lock, { maxWaiters: slots });
    } finally {
      Condition.#reviving = undefined;
    }
  }

  /** Set by `[revive]` so that the constructor adopts memory as it is. */
  static #reviving: Int32Array | undefined;

  #checkOwned(action: string): void {
    if (!this.#hooks.owned()) {
      throw new Error(
        `Cannot ${action} as this agent does not hold its lock: acquire it first`,
      );
    }
  }

  /** Queues the caller, which must hold the lock. */
  #enqueue(): number {
    this.#checkOwned("wait on Condition");
    return this.#queue.enqueue();
  }

  async #reacquire(
    saved: number,
    acquire: () => Promise<Guard>,
  ): Promise<void> {
    try {
      await acquire();
    } finally {
      this.#hooks.restore(saved);
    }
  }

  #reacquireSync(saved: number): void {
    try {
      this.#lock.acquireSync();
    } finally {
      this.#hooks.restore(saved);
    }
  }
}
