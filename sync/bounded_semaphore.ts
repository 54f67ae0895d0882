/**
 * `BoundedSemaphore`: a semaphore that refuses to count past its initial value.
 *
 * @module
 */
import {
  acquireUnit,
  acquireUnitSync,
  checkCount,
  tryDown,
  up,
  VALUE,
} from "./_counter.ts";
import { guardOf } from "./_guard.ts";
import {
  adoptedRegion,
  regionData,
  regionFrom,
  regionOf,
  reviveOver,
} from "./_region.ts";
import { describe, revive } from "./_shareable.ts";
import type { Guard } from "./guard.ts";
import type { WaitOptions, WaitSyncOptions } from "./wait_options.ts";

/** Word 0: the count; word 1: the sleepers (`_counter.ts`); word 2: the bound. */
const WORDS = 3;
const BOUND = 2;

/**
 * Options of `new BoundedSemaphore()`.
 *
 * @example
 * ```ts
 * import { BoundedSemaphore } from "@mp/multiprocessing/sync";
 * import assert from "node:assert/strict";
 *
 * const words = new Int32Array(new SharedArrayBuffer(16));
 * const semaphore = new BoundedSemaphore(2, { memory: words.subarray(1) });
 * assert.equal(Atomics.load(words, 1), 2);
 * assert.equal(semaphore.getValue(), 2);
 * ```
 */
export interface BoundedSemaphoreOptions {
  /**
   * Shared memory to keep the semaphore in: its first 3 words (an
   * `Int32Array` over a `SharedArrayBuffer`); the constructor writes the
   * initial value there. Default: a fresh buffer of its own.
   */
  memory?: Int32Array;
}

/**
 * A bounded semaphore, Python's `multiprocessing.BoundedSemaphore`: a
 * `Semaphore` whose `release()` throws instead of raising the count past
 * its initial value, which catches a unit given back twice.
 *
 * @example Catch a double release
 * ```ts
 * import { BoundedSemaphore } from "@mp/multiprocessing/sync";
 * import assert from "node:assert/strict";
 *
 * const pool = new BoundedSemaphore(2);
 * const unit = pool.acquireSync();
 * unit.release();
 * assert.throws(() => pool.release(), RangeError);
 * assert.equal(pool.getValue(), 2);
 * ```
 */
export class BoundedSemaphore {
  readonly #i32: Int32Array;

  /**
   * Creates a bounded semaphore holding `value` units, at most.
   *
   * @param value The initial count. Default: `1`.
   * @param options Where the semaphore lives.
   * @throws {TypeError} When `value` is not a number, or `memory` is not an
   * `Int32Array` over a `SharedArrayBuffer`.
   * @throws {RangeError} When `value` is not a non-negative integer up to
   * 2^31 − 1, or `memory` holds fewer than 3 words.
   *
   * @example
   * ```ts
   * import { BoundedSemaphore } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new BoundedSemaphore(3).getValue(), 3);
   * assert.throws(() => new BoundedSemaphore(-1), RangeError);
   * ```
   */
  constructor(value: number = 1, options?: BoundedSemaphoreOptions) {
    const adopted = adoptedRegion();
    if (adopted !== undefined) {
      this.#i32 = adopted;
      return;
    }
    checkCount("create BoundedSemaphore", "value", value, 0);
    this.#i32 = regionOf("BoundedSemaphore", WORDS, options?.memory);
    Atomics.store(this.#i32, VALUE, value);
    Atomics.store(this.#i32, BOUND, value);
  }

  /**
   * Takes one unit, waiting without blocking the thread while there is none.
   *
   * @param options `signal` and `timeout` (ms) of the wait.
   * @returns A guard that gives the unit back.
   * @throws {DOMException} `TimeoutError` when `timeout` elapses first.
   * @throws {unknown} `signal.reason` when `signal` aborts first.
   *
   * @example
   * ```ts
   * import { BoundedSemaphore } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const semaphore = new BoundedSemaphore(1);
   * using _unit = await semaphore.acquire();
   * await assert.rejects(semaphore.acquire({ timeout: 1 }), {
   *   name: "TimeoutError",
   * });
   * ```
   */
  acquire(options?: WaitOptions): Promise<Guard> {
    return acquireUnit(
      "acquire BoundedSemaphore",
      this.#i32,
      options,
      this.#guard,
    );
  }

  /**
   * Takes one unit, blocking the thread with `Atomics.wait` while there is
   * none (on the main thread this stalls the event loop).
   *
   * @param options `timeout` (ms) of the wait.
   * @returns A guard that gives the unit back.
   * @throws {DOMException} `TimeoutError` when `timeout` elapses first.
   *
   * @example
   * ```ts
   * import { BoundedSemaphore } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const semaphore = new BoundedSemaphore(1);
   * using _unit = semaphore.acquireSync();
   * assert.equal(semaphore.getValue(), 0);
   * ```
   */
  acquireSync(options?: WaitSyncOptions): Guard {
    return acquireUnitSync(
      "acquire BoundedSemaphore",
      this.#i32,
      options,
      this.#guard,
    );
  }

  /**
   * Takes one unit if there is one, without waiting.
   *
   * @returns A guard, or `undefined` when the count is 0.
   *
   * @example
   * ```ts
   * import { BoundedSemaphore } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const semaphore = new BoundedSemaphore(0);
   * assert.equal(semaphore.tryAcquire(), undefined);
   * ```
   */
  tryAcquire(): Guard | undefined {
    return tryDown(this.#i32) ? this.#guard() : undefined;
  }

  /**
   * Gives `n` units back, waking up to `n` waiters.
   *
   * @param n How many units. Default: `1`.
   * @throws {TypeError} When `n` is not a number.
   * @throws {RangeError} When `n` is not a positive integer, or the count
   * would pass the initial value (a unit released twice); the count is then
   * left as it was.
   *
   * @example
   * ```ts
   * import { BoundedSemaphore } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const semaphore = new BoundedSemaphore(1);
   * semaphore.acquireSync();
   * semaphore.release();
   * assert.throws(() => semaphore.release(), {
   *   name: "RangeError",
   *   message:
   *     "Cannot release BoundedSemaphore as its value would pass its initial value 1: received 1",
   * });
   * ```
   */
  release(n: number = 1): void {
    checkCount("release BoundedSemaphore", "n", n, 1);
    const bound = Atomics.load(this.#i32, BOUND);
    if (up(this.#i32, n, bound) === undefined) {
      throw new RangeError(
        `Cannot release BoundedSemaphore as its value would pass its initial value ${bound}: received ${n}`,
      );
    }
  }

  /**
   * The current count (Python's `get_value()`); it may change at once.
   *
   * @returns The number of free units.
   *
   * @example
   * ```ts
   * import { BoundedSemaphore } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new BoundedSemaphore(2).getValue(), 2);
   * ```
   */
  getValue(): number {
    return Atomics.load(this.#i32, VALUE);
  }

  /**
   * Describes this semaphore for the shareable protocol: kind
   * `"sync.BoundedSemaphore"`, data `{ buffer, offset }`.
   *
   * @returns The description.
   *
   * @example
   * ```ts
   * import { BoundedSemaphore } from "@mp/multiprocessing/sync";
   * import { describe } from "../sync/_shareable.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new BoundedSemaphore()[describe]().kind, "sync.BoundedSemaphore");
   * ```
   */
  [describe](): {
    kind: "sync.BoundedSemaphore";
    data: { buffer: SharedArrayBuffer; offset: number };
  } {
    return { kind: "sync.BoundedSemaphore", data: regionData(this.#i32) };
  }

  /**
   * Rebuilds a semaphore over the memory of a `"sync.BoundedSemaphore"`
   * description, keeping its count.
   *
   * @param data The description's data.
   * @returns A semaphore over the same memory.
   * @throws {TypeError} When `data` is not a semaphore's description data.
   *
   * @example
   * ```ts
   * import { BoundedSemaphore } from "@mp/multiprocessing/sync";
   * import { describe, revive } from "../sync/_shareable.ts";
   * import assert from "node:assert/strict";
   *
   * const semaphore = new BoundedSemaphore(4);
   * const twin = BoundedSemaphore[revive](semaphore[describe]().data);
   * twin.acquireSync();
   * assert.equal(semaphore.getValue(), 3);
   * ```
   */
  static [revive](
    data: { buffer: SharedArrayBuffer; offset: number },
  ): BoundedSemaphore {
    return reviveOver(
      regionFrom("BoundedSemaphore", WORDS, data),
      () => new BoundedSemaphore(),
    );
  }

  #guard = (): Guard => guardOf(() => this.release());
}
