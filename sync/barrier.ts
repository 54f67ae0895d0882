/**
 * `Barrier`: a meeting point for a fixed number of agents, and
 * `BrokenBarrierError`.
 *
 * The state machine (phases, arrivals, who breaks the barrier when a timeout
 * races the end of a cycle) lives in `_barrier_state.ts`.
 *
 * @module
 */
import {
  BarrierState,
  MAX_PARTIES,
  type Outcome,
  WORDS,
} from "./_barrier_state.ts";
import { checkWaitOptions, runAsync, runSync, timeoutError } from "./_futex.ts";
import {
  adoptedRegion,
  describeValue,
  regionData,
  regionFrom,
  regionOf,
  reviveOver,
} from "./_region.ts";
import { describe, revive } from "./_shareable.ts";
import type { WaitOptions, WaitSyncOptions } from "./wait_options.ts";

/**
 * Options of `new Barrier()`.
 *
 * @example
 * ```ts
 * import { Barrier } from "@mp/multiprocessing/sync";
 * import assert from "node:assert/strict";
 *
 * const log: string[] = [];
 * const barrier = new Barrier(2, { action: () => log.push("all here") });
 * await Promise.all([barrier.wait(), barrier.wait()]);
 * assert.deepEqual(log, ["all here"]);
 * ```
 */
export interface BarrierOptions {
  /**
   * Called once per cycle, by the last agent to arrive (if its `Barrier`
   * instance has an action: functions do not cross into workers, so give it
   * where the last arrival happens, or everywhere), before anyone is
   * released. If it throws, the barrier breaks and the error reaches that
   * agent's `wait()`. Default: none.
   */
  action?: () => void;
  /**
   * Shared memory to keep the barrier in: its first 2 words (an
   * `Int32Array` over a `SharedArrayBuffer`); the constructor writes them.
   * Default: a fresh buffer of its own.
   */
  memory?: Int32Array;
}

/**
 * Thrown by `Barrier.wait()` when the barrier is broken (a waiter timed
 * out, was aborted, or called `abort()`; the action threw) or was `reset()`
 * while the caller waited.
 *
 * @example
 * ```ts
 * import { Barrier, BrokenBarrierError } from "@mp/multiprocessing/sync";
 * import assert from "node:assert/strict";
 *
 * const barrier = new Barrier(2);
 * barrier.abort();
 * await assert.rejects(barrier.wait(), BrokenBarrierError);
 * ```
 */
export class BrokenBarrierError extends Error {
  /**
   * Creates the error.
   *
   * @param message What happened.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokenBarrierError";
  }
}

/**
 * A barrier, Python's `multiprocessing.Barrier`: `wait()` blocks until
 * `parties` agents wait, then releases them all, and the barrier is ready for
 * the next cycle. It lives in a `SharedArrayBuffer`, so every worker that
 * receives it meets at the same barrier.
 *
 * @example Meet, then go on together
 * ```ts
 * import { Barrier } from "@mp/multiprocessing/sync";
 * import assert from "node:assert/strict";
 *
 * const barrier = new Barrier(3);
 * const indexes = await Promise.all([
 *   barrier.wait(),
 *   barrier.wait(),
 *   barrier.wait(),
 * ]);
 * assert.deepEqual(indexes.sort(), [0, 1, 2]);
 * ```
 */
export class Barrier {
  readonly #i32: Int32Array;
  readonly #state: BarrierState;
  readonly #action: (() => void) | undefined;

  /**
   * Creates a barrier for `parties` agents.
   *
   * @param parties How many agents each cycle waits for.
   * @param options The action and memory.
   * @throws {TypeError} When `parties` is not a number, `action` not a
   * function, or `memory` not an `Int32Array` over a `SharedArrayBuffer`.
   * @throws {RangeError} When `parties` is not an integer from 1 to 65535.
   *
   * @example Run an action once per cycle
   * ```ts
   * import { Barrier } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * let cycles = 0;
   * const barrier = new Barrier(2, { action: () => cycles++ });
   * await Promise.all([barrier.wait(), barrier.wait()]);
   * assert.equal(cycles, 1);
   * ```
   */
  constructor(parties: number, options?: BarrierOptions) {
    const action = options?.action;
    if (action !== undefined && typeof action !== "function") {
      throw new TypeError(
        `Cannot create Barrier as action must be a function: received ${
          describeValue(action)
        }`,
      );
    }
    this.#action = action;
    const adopted = adoptedRegion();
    if (adopted !== undefined) {
      this.#i32 = adopted;
      this.#state = new BarrierState(adopted);
      return;
    }
    if (typeof parties !== "number") {
      throw new TypeError(
        `Cannot create Barrier as parties must be a number: received ${
          describeValue(parties)
        }`,
      );
    }
    if (!Number.isInteger(parties) || parties < 1 || parties > MAX_PARTIES) {
      throw new RangeError(
        `Cannot create Barrier as parties must be an integer from 1 to ${MAX_PARTIES}: received ${parties}`,
      );
    }
    this.#i32 = regionOf("Barrier", WORDS, options?.memory);
    this.#state = new BarrierState(this.#i32);
    this.#state.init(parties);
  }

  /**
   * How many agents each cycle waits for.
   *
   * @returns The `parties` given to the constructor.
   *
   * @example
   * ```ts
   * import { Barrier } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Barrier(4).parties, 4);
   * ```
   */
  get parties(): number {
    return this.#state.parties;
  }

  /**
   * How many agents wait in the current cycle.
   *
   * @returns The number of waiting agents.
   *
   * @example
   * ```ts
   * import { Barrier } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const barrier = new Barrier(2);
   * const first = barrier.wait();
   * assert.equal(barrier.nWaiting, 1);
   * await Promise.all([first, barrier.wait()]);
   * ```
   */
  get nWaiting(): number {
    return this.#state.nWaiting;
  }

  /**
   * Whether the barrier is broken (until `reset()`).
   *
   * @returns `true` when broken.
   *
   * @example
   * ```ts
   * import { Barrier } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const barrier = new Barrier(2);
   * barrier.abort();
   * assert.equal(barrier.broken, true);
   * ```
   */
  get broken(): boolean {
    return this.#state.broken;
  }

  /**
   * Waits, without blocking the thread, until `parties` agents wait.
   *
   * @param options `signal` and `timeout` (ms) of the wait. Giving up
   * breaks the barrier for everyone.
   * @returns The arrival index, from `0` to `parties − 1`, different for
   * every agent of a cycle (the last to arrive gets `parties − 1`).
   * @throws {BrokenBarrierError} When the barrier is or becomes broken, or
   * is reset while waiting.
   * @throws {DOMException} `TimeoutError` when `timeout` elapses first.
   * @throws {unknown} `signal.reason` when `signal` aborts first, or what
   * the action threw.
   *
   * @example
   * ```ts
   * import { Barrier } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * assert.equal(await new Barrier(1).wait(), 0);
   * ```
   */
  async wait(options?: WaitOptions): Promise<number> {
    const timeout = checkWaitOptions("wait at Barrier", options);
    const signal = options?.signal;
    signal?.throwIfAborted();
    return this.#settle(
      await runAsync(this.#state.waiting(timeout, this.#action), signal),
      timeout,
      signal,
    );
  }

  /**
   * Like `wait()`, blocking the thread with `Atomics.wait` (on the main
   * thread this stalls the event loop).
   *
   * @param options `timeout` (ms) of the wait.
   * @returns The arrival index, from `0` to `parties − 1`.
   * @throws {BrokenBarrierError} When the barrier is or becomes broken.
   * @throws {DOMException} `TimeoutError` when `timeout` elapses first.
   *
   * @example
   * ```ts
   * import { Barrier } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const barrier = new Barrier(2);
   * assert.throws(() => barrier.waitSync({ timeout: 1 }), {
   *   name: "TimeoutError",
   * });
   * assert.equal(barrier.broken, true);
   * ```
   */
  waitSync(options?: WaitSyncOptions): number {
    const timeout = checkWaitOptions("wait at Barrier", options);
    return this.#settle(
      runSync(this.#state.waiting(timeout, this.#action)),
      timeout,
      undefined,
    );
  }

  /**
   * Breaks the barrier: current and later waiters get `BrokenBarrierError`
   * until `reset()`.
   *
   * @example
   * ```ts
   * import { Barrier } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const barrier = new Barrier(2);
   * const waiting = barrier.wait();
   * barrier.abort();
   * await assert.rejects(waiting, { name: "BrokenBarrierError" });
   * ```
   */
  abort(): void {
    this.#state.abort();
  }

  /**
   * Returns the barrier to its initial state. Agents waiting now get
   * `BrokenBarrierError`; it is ready for a new cycle once they have left.
   *
   * @example Repair a broken barrier
   * ```ts
   * import { Barrier } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const barrier = new Barrier(1);
   * barrier.abort();
   * barrier.reset();
   * assert.equal(barrier.broken, false);
   * assert.equal(await barrier.wait(), 0);
   * ```
   */
  reset(): void {
    this.#state.reset();
  }

  /**
   * Describes this barrier for the shareable protocol: kind
   * `"sync.Barrier"`, data `{ buffer, offset }`. The action does not cross.
   *
   * @returns The description.
   *
   * @example
   * ```ts
   * import { Barrier } from "@mp/multiprocessing/sync";
   * import { describe } from "../sync/_shareable.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Barrier(2)[describe]().kind, "sync.Barrier");
   * ```
   */
  [describe](): {
    kind: "sync.Barrier";
    data: { buffer: SharedArrayBuffer; offset: number };
  } {
    return { kind: "sync.Barrier", data: regionData(this.#i32) };
  }

  /**
   * Rebuilds a barrier (without an action) over the memory of a
   * `"sync.Barrier"` description.
   *
   * @param data The description's data.
   * @returns A barrier over the same memory.
   * @throws {TypeError} When `data` is not a barrier's description data.
   *
   * @example
   * ```ts
   * import { Barrier } from "@mp/multiprocessing/sync";
   * import { describe, revive } from "../sync/_shareable.ts";
   * import assert from "node:assert/strict";
   *
   * const barrier = new Barrier(2);
   * const twin = Barrier[revive](barrier[describe]().data);
   * const indexes = await Promise.all([barrier.wait(), twin.wait()]);
   * assert.deepEqual(indexes.sort(), [0, 1]);
   * ```
   */
  static [revive](
    data: { buffer: SharedArrayBuffer; offset: number },
  ): Barrier {
    return reviveOver(regionFrom("Barrier", WORDS, data), () => new Barrier(0));
  }

  #settle(
    outcome: Outcome,
    timeout: number,
    signal: AbortSignal | undefined,
  ): number {
    if (typeof outcome === "number") return outcome;
    switch (outcome.kind) {
      case "broken":
        throw new BrokenBarrierError(
          "Cannot pass Barrier as it is broken: a party timed out, was aborted, or called abort() or reset()",
        );
      case "timed-out":
        throw timeoutError("wait at Barrier", timeout);
      case "aborted":
        throw signal?.reason;
      case "thrown":
        throw outcome.error;
    }
  }
}
