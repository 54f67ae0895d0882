/**
 * `Semaphore`: a counter of free units that works across workers.
 *
 * @module
 */
import {
  acquireUnit,
  acquireUnitSync,
  checkCount,
  MAX_VALUE,
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

/** Word 0: the count; word 1: the sleepers (`_counter.ts`). */
const WORDS = 2;

/**
 * Options of `new Semaphore()`.
 *
 * @example
 * ```ts
 * import { Semaphore } from "@mp/multiprocessing/sync";
 * import assert from "node:assert/strict";
 *
 * const words = new Int32Array(new SharedArrayBuffer(16));
 * const semaphore = new Semaphore(5, { memory: words.subarray(2) });
 * assert.equal(Atomics.load(words, 2), 5);
 * assert.equal(semaphore.getValue(), 5);
 * ```
 */
export interface SemaphoreOptions {
  /**
   * Shared memory to keep the semaphore in: its first 2 words (an
   * `Int32Array` over a `SharedArrayBuffer`); the constructor writes the
   * initial value there. Default: a fresh buffer of its own.
   */
  memory?: Int32Array;
}

/**
 * A semaphore, Python's `multiprocessing.Semaphore`: `acquire()` takes one
 * unit, waiting while there is none; `release()` gives units back (any
 * number, from any agent: see `BoundedSemaphore` for a checked upper limit).
 * It lives in a `SharedArrayBuffer`, so every worker that receives it works
 * on the same count.
 *
 * @example Let at most 2 tasks run at once
 * ```ts
 * import { Semaphore } from "@mp/multiprocessing/sync";
 * import assert from "node:assert/strict";
 *
 * const slots = new Semaphore(2);
 * let running = 0;
 * let most = 0;
 * await Promise.all([1, 2, 3, 4, 5].map(async () => {
 *   using _slot = await slots.acquire();
 *   most = Math.max(most, ++running);
 *   await new Promise((resolve) => setTimeout(resolve, 1));
 *   running--;
 * }));
 * assert.equal(most, 2);
 * ```
 */
export class Semaphore {
  readonly #i32: Int32Array;

  /**
   * Creates a semaphore holding `value` units.
   *
   * @param value The initial count. Default: `1`.
   * @param options Where the semaphore lives.
   * @throws {TypeError} When `value` is not a number, or `memory` is not an
   * `Int32Array` over a `SharedArrayBuffer`.
   * @throws {RangeError} When `value` is not a non-negative integer up to
   * 2^31 − 1, or `memory` holds fewer than 2 words.
   *
   * @example
   * ```ts
   * import { Semaphore } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Semaphore(3).getValue(), 3);
   * assert.throws(() => new Semaphore(-1), RangeError);
   * ```
   */
  constructor(value: number = 1, options?: SemaphoreOptions) {
    const adopted = adoptedRegion();
    if (adopted !== undefined) {
      this.#i32 = adopted;
      return;
    }
    checkCount("create Semaphore", "value", value, 0);
    this.#i32 = regionOf("Semaphore", WORDS, options?.memory);
    Atomics.store(this.#i32, VALUE, value);
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
   * import { Semaphore } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const semaphore = new Semaphore(1);
   * using _unit = await semaphore.acquire();
   * await assert.rejects(semaphore.acquire({ timeout: 1 }), {
   *   name: "TimeoutError",
   * });
   * ```
   */
  acquire(options?: WaitOptions): Promise<Guard> {
    return acquireUnit("acquire Semaphore", this.#i32, options, this.#guard);
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
   * import { Semaphore } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const semaphore = new Semaphore(1);
   * using _unit = semaphore.acquireSync();
   * assert.equal(semaphore.getValue(), 0);
   * ```
   */
  acquireSync(options?: WaitSyncOptions): Guard {
    return acquireUnitSync(
      "acquire Semaphore",
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
   * import { Semaphore } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const semaphore = new Semaphore(0);
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
   * would pass 2^31 − 1.
   *
   * @example Signal another task
   * ```ts
   * import { Semaphore } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const ready = new Semaphore(0);
   * const waiting = ready.acquire();
   * ready.release();
   * using _unit = await waiting;
   * assert.equal(ready.getValue(), 0);
   * ```
   */
  release(n: number = 1): void {
    checkCount("release Semaphore", "n", n, 1);
    if (up(this.#i32, n, MAX_VALUE) === undefined) {
      throw new RangeError(
        `Cannot release Semaphore as its value would pass ${MAX_VALUE}: received ${n}`,
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
   * import { Semaphore } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Semaphore(2).getValue(), 2);
   * ```
   */
  getValue(): number {
    return Atomics.load(this.#i32, VALUE);
  }

  /**
   * Describes this semaphore for the shareable protocol: kind
   * `"sync.Semaphore"`, data `{ buffer, offset }`.
   *
   * @returns The description.
   *
   * @example
   * ```ts
   * import { Semaphore } from "@mp/multiprocessing/sync";
   * import { describe } from "../sync/_shareable.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Semaphore()[describe]().kind, "sync.Semaphore");
   * ```
   */
  [describe](): {
    kind: "sync.Semaphore";
    data: { buffer: SharedArrayBuffer; offset: number };
  } {
    return { kind: "sync.Semaphore", data: regionData(this.#i32) };
  }

  /**
   * Rebuilds a semaphore over the memory of a `"sync.Semaphore"`
   * description, keeping its count.
   *
   * @param data The description's data.
   * @returns A semaphore over the same memory.
   * @throws {TypeError} When `data` is not a semaphore's description data.
   *
   * @example
   * ```ts
   * import { Semaphore } from "@mp/multiprocessing/sync";
   * import { describe, revive } from "../sync/_shareable.ts";
   * import assert from "node:assert/strict";
   *
   * const semaphore = new Semaphore(4);
   * const twin = Semaphore[revive](semaphore[describe]().data);
   * twin.acquireSync();
   * assert.equal(semaphore.getValue(), 3);
   * ```
   */
  static [revive](
    data: { buffer: SharedArrayBuffer; offset: number },
  ): Semaphore {
    return reviveOver(
      regionFrom("Semaphore", WORDS, data),
      () => new Semaphore(),
    );
  }

  #guard = (): Guard => guardOf(() => this.release());
}
