/**
 * `Barrier`: a meeting point for a fixed number of agents, and
 * `BrokenBarrierError`.
 *
 * Memory: word 0 packs `phase << 16 | count`; word 1 holds `parties`. The
 * phases are CPython's barrier states: `FILLING` (agents arrive; `count` of
 * them wait), `DRAINING` (everybody arrived: waiters leave), `RESETTING`
 * (`reset()` while agents waited: they leave with `BrokenBarrierError`) and
 * `BROKEN`. Every transition is one compare-and-swap on word 0, and every
 * phase change wakes all sleepers of the word. `count` is the number of
 * agents inside the barrier; the last one out of a `DRAINING` or
 * `RESETTING` barrier sets it back to `FILLING`, so a slow waiter can never
 * miss the cycle it belongs to, and newcomers wait until the barrier is
 * `FILLING` again. A waiter that times out or is aborted moves a `FILLING`
 * barrier to `BROKEN`; if the barrier moved on first, the wait succeeded.
 *
 * @module
 */
import {
  checkWaitOptions,
  Deadline,
  runAsync,
  runSync,
  spinWhile,
  timeoutError,
  type Waiting,
} from "./_futex.ts";
import { describeValue, regionData, regionFrom, regionOf } from "./_region.ts";
import { describe, revive } from "./_shareable.ts";
import type { WaitOptions, WaitSyncOptions } from "./wait_options.ts";

const WORDS = 2;
const STATE = 0;
const PARTIES = 1;
const FILLING = 0;
const DRAINING = 1;
const RESETTING = 2;
const BROKEN = 3;
const MAX_PARTIES = 0xffff;

const phaseOf = (state: number): number => state >>> 16;
const countOf = (state: number): number => state & 0xffff;
const stateOf = (phase: number, count: number): number => (phase << 16) | count;

/** Options of `new Barrier()`. */
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
    const adopted = Barrier.#reviving;
    if (adopted !== undefined) {
      this.#i32 = adopted;
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
    Atomics.store(this.#i32, STATE, stateOf(FILLING, 0));
    Atomics.store(this.#i32, PARTIES, parties);
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
    return Atomics.load(this.#i32, PARTIES);
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
    const state = Atomics.load(this.#i32, STATE);
    return phaseOf(state) === FILLING ? countOf(state) : 0;
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
    return phaseOf(Atomics.load(this.#i32, STATE)) === BROKEN;
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
      await runAsync(this.#waiting(timeout), signal),
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
    return this.#settle(runSync(this.#waiting(timeout)), timeout, undefined);
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
    this.#move((state) => stateOf(BROKEN, countOf(state)));
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
    this.#move((state) => {
      const count = countOf(state);
      if (count === 0) return stateOf(FILLING, 0);
      const phase = phaseOf(state);
      return stateOf(phase === DRAINING ? DRAINING : RESETTING, count);
    });
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
    Barrier.#reviving = regionFrom("Barrier", WORDS, data);
    try {
      return new Barrier(0);
    } finally {
      Barrier.#reviving = undefined;
    }
  }

  /** Set by `[revive]` so that the constructor adopts memory as it is. */
  static #reviving: Int32Array | undefined;

  /** Applies `change` to the state with compare-and-swap; wakes everyone. */
  #move(change: (state: number) => number): number {
    let state = Atomics.load(this.#i32, STATE);
    for (;;) {
      const next = change(state);
      const seen = Atomics.compareExchange(this.#i32, STATE, state, next);
      if (seen === state) {
        if (phaseOf(next) !== phaseOf(state)) Atomics.notify(this.#i32, STATE);
        return next;
      }
      state = seen;
    }
  }

  /** Leaves the barrier: the last one out of a finished cycle refills it. */
  #exit(): void {
    this.#move((state) => {
      const count = countOf(state) - 1;
      const phase = phaseOf(state);
      const done = count === 0 && (phase === DRAINING || phase === RESETTING);
      return stateOf(done ? FILLING : phase, count);
    });
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

  *#waiting(timeout: number): Waiting<Outcome> {
    const i32 = this.#i32;
    const parties = Atomics.load(i32, PARTIES);
    const deadline = new Deadline(timeout);
    // Enter: wait while a previous cycle drains or resets.
    let index: number;
    for (;;) {
      const state = Atomics.load(i32, STATE);
      const phase = phaseOf(state);
      if (phase === BROKEN) return { kind: "broken" };
      if (phase === FILLING && countOf(state) < parties) {
        if (Atomics.compareExchange(i32, STATE, state, state + 1) === state) {
          index = countOf(state);
          break;
        }
        continue;
      }
      const remaining = deadline.remaining();
      if (remaining === 0) return { kind: "timed-out" };
      const result = yield {
        i32,
        index: STATE,
        value: state,
        timeout: remaining,
      };
      if (result === "aborted") return { kind: "aborted" };
    }
    if (index === parties - 1) return this.#release();
    // Wait for the cycle to end.
    let state = Atomics.load(i32, STATE);
    spinWhile(i32, STATE, state);
    for (;;) {
      state = Atomics.load(i32, STATE);
      const phase = phaseOf(state);
      if (phase === DRAINING) break;
      if (phase !== FILLING) {
        this.#exit();
        return { kind: "broken" };
      }
      const remaining = deadline.remaining();
      const result: string = remaining === 0
        ? "timed-out"
        : yield { i32, index: STATE, value: state, timeout: remaining };
      if (
        (result === "timed-out" || result === "aborted") && this.#breakFilling()
      ) {
        this.#exit();
        return { kind: result };
      }
    }
    this.#exit();
    return index;
  }

  /**
   * Breaks the barrier if it is still `FILLING`; `false` when it had moved
   * on (the cycle ended, or someone else broke or reset it) first.
   */
  #breakFilling(): boolean {
    let state = Atomics.load(this.#i32, STATE);
    while (phaseOf(state) === FILLING) {
      const broken = stateOf(BROKEN, countOf(state));
      const seen = Atomics.compareExchange(this.#i32, STATE, state, broken);
      if (seen === state) {
        Atomics.notify(this.#i32, STATE);
        return true;
      }
      state = seen;
    }
    return false;
  }

  /** The last arrival: runs the action, then lets everyone go. */
  #release(): Outcome {
    try {
      this.#action?.();
    } catch (error) {
      this.abort();
      this.#exit();
      return { kind: "thrown", error };
    }
    const next = this.#move((state) =>
      phaseOf(state) === FILLING ? stateOf(DRAINING, countOf(state)) : state
    );
    this.#exit();
    if (phaseOf(next) !== DRAINING) return { kind: "broken" };
    return Atomics.load(this.#i32, PARTIES) - 1;
  }
}

type Outcome =
  | number
  | { kind: "broken" | "timed-out" | "aborted" }
  | { kind: "thrown"; error: unknown };
