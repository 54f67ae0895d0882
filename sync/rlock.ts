/**
 * `RLock`: a re-entrant lock that works across workers.
 *
 * @module
 */
import { agentId } from "./_agent.ts";
import { checkWaitOptions } from "./_futex.ts";
import { LockGuard } from "./_guard.ts";
import { registerLockHooks } from "./_lockable.ts";
import {
  lockAsync,
  type LockResult,
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
 * Word 0: the mutex word of `_mutex.ts`; word 1: the holder's holds beyond
 * the first (`0` while free or held once), so that taking a free lock and
 * dropping it writes nothing but the mutex word.
 */
const WORDS = 2;
const COUNT = 1;

/**
 * Options of `new RLock()`.
 *
 * @example
 * ```ts
 * import { RLock } from "@mp/multiprocessing/sync";
 * import assert from "node:assert/strict";
 *
 * const words = new Int32Array(new SharedArrayBuffer(16));
 * const lock = new RLock({ memory: words.subarray(2) });
 * using _outer = lock.acquireSync();
 * using _inner = lock.acquireSync();
 * assert.equal(Atomics.load(words, 3), 1); // holds beyond the first
 * ```
 */
export interface RLockOptions {
  /**
   * Shared memory to keep the lock in: its first 2 words (an `Int32Array`
   * over a `SharedArrayBuffer`, initially `0`). Default: a fresh buffer of
   * its own.
   */
  memory?: Int32Array;
}

/**
 * A re-entrant lock, Python's `multiprocessing.RLock`: the agent (main
 * thread or worker) that holds it may acquire it again, and must release it
 * as many times; only that agent may release it. A holder that dies does not
 * deadlock the others: the next acquirer gets `LockAbandonedError`.
 *
 * Ownership belongs to the agent, not to an async task: two async functions
 * of the same worker both pass `acquire()` at once. Use a `Lock` to exclude
 * concurrent tasks of one agent.
 *
 * @example Acquire twice, release twice
 * ```ts
 * import { RLock } from "@mp/multiprocessing/sync";
 * import assert from "node:assert/strict";
 *
 * const lock = new RLock();
 * {
 *   using _outer = await lock.acquire();
 *   using _inner = await lock.acquire();
 *   assert.equal(lock.locked(), true);
 * }
 * assert.equal(lock.locked(), false);
 * ```
 */
export class RLock {
  readonly #i32: Int32Array;

  /**
   * Creates an unlocked re-entrant lock.
   *
   * @param options Where the lock lives.
   * @throws {TypeError} When `memory` is not an `Int32Array` over a
   * `SharedArrayBuffer`.
   * @throws {RangeError} When `memory` holds fewer than 2 words.
   *
   * @example
   * ```ts
   * import { RLock } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const lock = new RLock();
   * assert.equal(lock.locked(), false);
   * ```
   */
  constructor(options?: RLockOptions) {
    this.#i32 = regionOf("RLock", WORDS, options?.memory);
    registerLockHooks(this, {
      owned: () => this.#owned(),
      save: () => {
        const count = this.#i32[COUNT]! + 1;
        this.#i32[COUNT] = 0;
        this.release();
        return count;
      },
      restore: (count) => Atomics.store(this.#i32, COUNT, count - 1),
    });
  }

  /**
   * Acquires the lock (again, when this agent holds it already), waiting
   * without blocking the thread.
   *
   * @param options `signal` and `timeout` (ms) of the wait.
   * @returns A guard that releases this one hold.
   * @throws {LockAbandonedError} When the holder died holding the lock: the
   * caller now holds it once, through `error.guard`.
   * @throws {DOMException} `TimeoutError` when `timeout` elapses first.
   * @throws {unknown} `signal.reason` when `signal` aborts first.
   *
   * @example
   * ```ts
   * import { RLock } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const lock = new RLock();
   * using _guard = await lock.acquire({ timeout: 1000 });
   * assert.equal(lock.locked(), true);
   * ```
   */
  async acquire(options?: WaitOptions): Promise<Guard> {
    const timeout = checkWaitOptions("acquire RLock", options);
    const signal = options?.signal;
    signal?.throwIfAborted();
    const me = agentId();
    if (this.#again(me)) return new LockGuard(this);
    const result = await lockAsync(this.#i32, 0, me, timeout, signal);
    return this.#settle(result, timeout, signal)!;
  }

  /**
   * Acquires the lock (again, when this agent holds it already), blocking
   * the thread with `Atomics.wait` (on the main thread this stalls the event
   * loop).
   *
   * @param options `timeout` (ms) of the wait.
   * @returns A guard that releases this one hold.
   * @throws {LockAbandonedError} When the holder died holding the lock.
   * @throws {DOMException} `TimeoutError` when `timeout` elapses first.
   *
   * @example
   * ```ts
   * import { RLock } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const lock = new RLock();
   * using _outer = lock.acquireSync();
   * using _inner = lock.acquireSync({ timeout: 0 });
   * assert.equal(lock.locked(), true);
   * ```
   */
  acquireSync(options?: WaitSyncOptions): Guard {
    const i32 = this.#i32;
    const me = agentId();
    // The hot path: no options, and the lock is free or already ours.
    if (options === undefined) {
      const word = Atomics.compareExchange(i32, 0, 0, me);
      if (word === 0) return new LockGuard(this); // holds beyond: still 0
      if ((word & OWNER) === me) {
        i32[COUNT]! += 1;
        return new LockGuard(this);
      }
    }
    const timeout = checkWaitOptions("acquire RLock", options);
    if (this.#again(me)) return new LockGuard(this);
    const result = lockSync(i32, 0, me, timeout);
    return this.#settle(result, timeout, undefined)!;
  }

  /**
   * Acquires the lock if it is free or already held by this agent, without
   * waiting.
   *
   * @returns A guard, or `undefined` when another agent holds the lock.
   * @throws {LockAbandonedError} When the holder died holding the lock.
   *
   * @example
   * ```ts
   * import { RLock } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const lock = new RLock();
   * using first = lock.tryAcquire();
   * using second = lock.tryAcquire();
   * assert.ok(first !== undefined && second !== undefined);
   * ```
   */
  tryAcquire(): Guard | undefined {
    const me = agentId();
    if (this.#again(me)) return new LockGuard(this);
    return this.#settle(tryLock(this.#i32, 0, me), 0, undefined);
  }

  /**
   * Releases one hold; the lock is free once every hold is released.
   *
   * @throws {Error} When the calling agent does not hold the lock.
   *
   * @example
   * ```ts
   * import { RLock } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const lock = new RLock();
   * lock.acquireSync();
   * lock.acquireSync();
   * lock.release();
   * assert.equal(lock.locked(), true);
   * lock.release();
   * assert.equal(lock.locked(), false);
   * assert.throws(() => lock.release(), Error);
   * ```
   */
  release(): void {
    const i32 = this.#i32;
    const word = Atomics.load(i32, 0);
    if ((word & OWNER) !== agentId()) {
      throw new Error(
        `Cannot release RLock as this agent does not hold it: ${
          (word & OWNER) === 0
            ? "it is not locked"
            : `agent ${word & OWNER} holds it`
        }`,
      );
    }
    // The count is only touched by the holder, ordered by the lock word.
    const extra = i32[COUNT]!;
    if (extra > 0) i32[COUNT] = extra - 1;
    else unlock(i32, 0);
  }

  /**
   * Whether some agent holds the lock right now.
   *
   * @returns `true` while locked.
   *
   * @example
   * ```ts
   * import { RLock } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new RLock().locked(), false);
   * ```
   */
  locked(): boolean {
    return (Atomics.load(this.#i32, 0) & OWNER) !== 0;
  }

  /**
   * Describes this lock for the shareable protocol: kind `"sync.RLock"`,
   * data `{ buffer, offset }`.
   *
   * @returns The description.
   *
   * @example
   * ```ts
   * import { RLock } from "@mp/multiprocessing/sync";
   * import { describe } from "../sync/_shareable.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new RLock()[describe]().kind, "sync.RLock");
   * ```
   */
  [describe](): {
    kind: "sync.RLock";
    data: { buffer: SharedArrayBuffer; offset: number };
  } {
    return { kind: "sync.RLock", data: regionData(this.#i32) };
  }

  /**
   * Rebuilds a re-entrant lock over the memory of a `"sync.RLock"`
   * description.
   *
   * @param data The description's data.
   * @returns A lock over the same memory.
   * @throws {TypeError} When `data` is not an `RLock`'s description data.
   *
   * @example
   * ```ts
   * import { RLock } from "@mp/multiprocessing/sync";
   * import { describe, revive } from "../sync/_shareable.ts";
   * import assert from "node:assert/strict";
   *
   * const lock = new RLock();
   * const twin = RLock[revive](lock[describe]().data as never);
   * using _outer = lock.acquireSync();
   * using _inner = twin.acquireSync(); // the same agent: re-entrant
   * assert.equal(twin.locked(), true);
   * ```
   */
  static [revive](data: { buffer: SharedArrayBuffer; offset: number }): RLock {
    return new RLock({ memory: regionFrom("RLock", WORDS, data) });
  }

  #owned(me: number = agentId()): boolean {
    return (Atomics.load(this.#i32, 0) & OWNER) === me;
  }

  #again(me: number): boolean {
    if (!this.#owned(me)) return false;
    this.#i32[COUNT]! += 1;
    return true;
  }

  #settle(
    result: LockResult | "busy",
    timeout: number,
    signal: AbortSignal | undefined,
  ): Guard | undefined {
    // A dead holder may have left holds beyond its first.
    if (result === "abandoned") this.#i32[COUNT] = 0;
    return settleLock("RLock", result, this, timeout, signal);
  }
}
