/**
 * `Event`: a flag that workers can wait for.
 *
 * Memory: word 0 holds `generation << 1 | flag`; `set()` raises the flag and
 * bumps the generation in one compare-and-swap, so a waiter that saw the flag
 * down returns once the word changes, even if `clear()` lowered the flag
 * again before it woke (as Python's `Event.wait` does). Word 1 counts
 * sleepers, so that `set()` skips the wake-up call when nobody sleeps.
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
import { regionData, regionFrom, regionOf } from "./_region.ts";
import { describe, revive } from "./_shareable.ts";
import type { WaitOptions, WaitSyncOptions } from "./wait_options.ts";

const WORDS = 2;
const STATE = 0;
const SLEEPERS = 1;

/**
 * Options of `new Event()`.
 *
 * @example
 * ```ts
 * import { Event } from "@mp/multiprocessing/sync";
 * import assert from "node:assert/strict";
 *
 * const words = new Int32Array(new SharedArrayBuffer(16));
 * const event = new Event({ memory: words.subarray(2) });
 * event.set();
 * assert.equal(Atomics.load(words, 2) & 1, 1);
 * ```
 */
export interface EventOptions {
  /**
   * Shared memory to keep the event in: its first 2 words (an `Int32Array`
   * over a `SharedArrayBuffer`, initially `0`: not set). Default: a fresh
   * buffer of its own.
   */
  memory?: Int32Array;
}

/**
 * An event, Python's `multiprocessing.Event`: a flag, initially down, that
 * `set()` raises (waking every waiter) and `clear()` lowers; `wait()` returns
 * once the flag is up. It lives in a `SharedArrayBuffer`, so every worker
 * that receives it waits on the same flag.
 *
 * @example Wait for a signal from elsewhere
 * ```ts
 * import { Event } from "@mp/multiprocessing/sync";
 * import assert from "node:assert/strict";
 *
 * const ready = new Event();
 * setTimeout(() => ready.set(), 1);
 * await ready.wait({ timeout: 5000 });
 * assert.equal(ready.isSet(), true);
 * ```
 */
export class Event {
  readonly #i32: Int32Array;

  /**
   * Creates an event whose flag is down.
   *
   * @param options Where the event lives.
   * @throws {TypeError} When `memory` is not an `Int32Array` over a
   * `SharedArrayBuffer`.
   * @throws {RangeError} When `memory` holds fewer than 2 words.
   *
   * @example
   * ```ts
   * import { Event } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Event().isSet(), false);
   * ```
   */
  constructor(options?: EventOptions) {
    this.#i32 = regionOf("Event", WORDS, options?.memory);
  }

  /**
   * Raises the flag and wakes every waiter. Raising a raised flag does
   * nothing.
   *
   * @example
   * ```ts
   * import { Event } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const event = new Event();
   * event.set();
   * assert.equal(event.isSet(), true);
   * ```
   */
  set(): void {
    let state = Atomics.load(this.#i32, STATE);
    for (;;) {
      if ((state & 1) !== 0) return;
      const next = (state + 3) & 0x7fff_ffff; // generation + 1, flag up
      const seen = Atomics.compareExchange(this.#i32, STATE, state, next);
      if (seen === state) break;
      state = seen;
    }
    if (Atomics.load(this.#i32, SLEEPERS) > 0) {
      Atomics.notify(this.#i32, STATE);
    }
  }

  /**
   * Lowers the flag: later waits wait again.
   *
   * @example
   * ```ts
   * import { Event } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const event = new Event();
   * event.set();
   * event.clear();
   * assert.equal(event.isSet(), false);
   * ```
   */
  clear(): void {
    Atomics.and(this.#i32, STATE, ~1);
  }

  /**
   * Whether the flag is up.
   *
   * @returns `true` when set.
   *
   * @example
   * ```ts
   * import { Event } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Event().isSet(), false);
   * ```
   */
  isSet(): boolean {
    return (Atomics.load(this.#i32, STATE) & 1) !== 0;
  }

  /**
   * Waits, without blocking the thread, until the flag is up (returns at
   * once if it is). A `set()` that happens during the wait ends it, even if
   * the flag is cleared again before the waiter runs.
   *
   * @param options `signal` and `timeout` (ms) of the wait.
   * @returns When the flag was seen up.
   * @throws {DOMException} `TimeoutError` when `timeout` elapses first.
   * @throws {unknown} `signal.reason` when `signal` aborts first.
   *
   * @example
   * ```ts
   * import { Event } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const event = new Event();
   * await assert.rejects(event.wait({ timeout: 1 }), { name: "TimeoutError" });
   * event.set();
   * await event.wait();
   * ```
   */
  async wait(options?: WaitOptions): Promise<void> {
    const timeout = checkWaitOptions("wait for Event", options);
    const signal = options?.signal;
    signal?.throwIfAborted();
    const outcome = await runAsync(this.#waiting(timeout), signal);
    if (outcome === "aborted") throw signal?.reason;
    if (outcome === "timed-out") throw timeoutError("wait for Event", timeout);
  }

  /**
   * Blocks the thread with `Atomics.wait` until the flag is up (on the main
   * thread this stalls the event loop).
   *
   * @param options `timeout` (ms) of the wait.
   * @throws {DOMException} `TimeoutError` when `timeout` elapses first.
   *
   * @example
   * ```ts
   * import { Event } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const event = new Event();
   * assert.throws(() => event.waitSync({ timeout: 1 }), { name: "TimeoutError" });
   * event.set();
   * event.waitSync();
   * ```
   */
  waitSync(options?: WaitSyncOptions): void {
    const timeout = checkWaitOptions("wait for Event", options);
    if (runSync(this.#waiting(timeout)) === "timed-out") {
      throw timeoutError("wait for Event", timeout);
    }
  }

  /**
   * Describes this event for the shareable protocol: kind `"sync.Event"`,
   * data `{ buffer, offset }`.
   *
   * @returns The description.
   *
   * @example
   * ```ts
   * import { Event } from "@mp/multiprocessing/sync";
   * import { describe } from "../sync/_shareable.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Event()[describe]().kind, "sync.Event");
   * ```
   */
  [describe](): {
    kind: "sync.Event";
    data: { buffer: SharedArrayBuffer; offset: number };
  } {
    return { kind: "sync.Event", data: regionData(this.#i32) };
  }

  /**
   * Rebuilds an event over the memory of a `"sync.Event"` description.
   *
   * @param data The description's data.
   * @returns An event over the same memory.
   * @throws {TypeError} When `data` is not an event's description data.
   *
   * @example
   * ```ts
   * import { Event } from "@mp/multiprocessing/sync";
   * import { describe, revive } from "../sync/_shareable.ts";
   * import assert from "node:assert/strict";
   *
   * const event = new Event();
   * const twin = Event[revive](event[describe]().data);
   * twin.set();
   * assert.equal(event.isSet(), true);
   * ```
   */
  static [revive](data: { buffer: SharedArrayBuffer; offset: number }): Event {
    return new Event({ memory: regionFrom("Event", WORDS, data) });
  }

  *#waiting(timeout: number): Waiting<"set" | "timed-out" | "aborted"> {
    const i32 = this.#i32;
    const seen = Atomics.load(i32, STATE);
    if ((seen & 1) !== 0) return "set";
    if (spinWhile(i32, STATE, seen)) return "set";
    const deadline = new Deadline(timeout);
    Atomics.add(i32, SLEEPERS, 1);
    try {
      for (;;) {
        if (Atomics.load(i32, STATE) !== seen) return "set";
        const remaining = deadline.remaining();
        if (remaining === 0) return "timed-out";
        const result = yield {
          i32,
          index: STATE,
          value: seen,
          timeout: remaining,
        };
        if (result === "aborted") return "aborted";
      }
    } finally {
      Atomics.sub(i32, SLEEPERS, 1);
    }
  }
}
