/**
 * Futex-style waiting on one word of an `Int32Array` over a
 * `SharedArrayBuffer`: the one place where the primitives of `sync/` sleep.
 *
 * A primitive keeps its whole state in shared words and changes it with
 * `Atomics` compare-and-swap. When it cannot make progress it sleeps on one of
 * those words "while the word still holds the value I saw", and whoever
 * changes the word in a way that matters wakes the sleepers with `notify`.
 * Every caller re-checks its state after waking, so spurious wake-ups are
 * harmless; what must never happen is a lost wake-up, which the
 * "while the word still holds" comparison (done by the platform under its
 * own lock) rules out.
 *
 * Three ways to wait, from cheapest to dearest:
 *
 * - `spinWhile`: re-reads the word a bounded number of times with
 *   `Atomics.pause()` in between. Waking a sleeping thread costs about 21 µs
 *   on the build machine, so a hand-off that completes within a few
 *   microseconds is far cheaper caught by spinning.
 * - `waitSync`: `Atomics.wait`, which blocks the thread (allowed in workers
 *   and on Deno's main thread, where it stalls the event loop).
 * - `waitAsync`: `Atomics.waitAsync`, which returns a promise. A timeout is
 *   handed to the platform. A pending platform wait does not keep Deno's
 *   event loop alive, so an interval timer does while the wait is pending
 *   (cleared when it ends: nothing is left behind). A platform
 *   wait cannot be cancelled, so an abort wakes every sleeper of the word with
 *   `notify` (spurious wake-ups are harmless, see above): that resolves our
 *   own pending wait, leaving no waiter behind, and passes on any wake-up
 *   that our aborted waiter may already have consumed.
 *
 * This file also holds the small pieces every waiting call shares: option
 * validation, deadlines and the `TimeoutError`.
 *
 * @module
 */
import type { WaitOptions } from "./wait_options.ts";

/** How a wait ended. `"aborted"` only comes from `waitAsync` with a signal. */
export type WaitResult = "ok" | "not-equal" | "timed-out" | "aborted";

/**
 * Spin rounds before sleeping. One round (a load and `Atomics.pause()`) takes
 * about 30 ns here, so the default spins for a few microseconds: less than
 * one sleeping hand-off, enough to catch a lock released by a short critical
 * section on another CPU.
 */
export const SPIN_ROUNDS = 200;

/**
 * Re-reads `i32[index]` while it equals `value`, at most `rounds` times.
 * Returns `true` as soon as the word changed, `false` if it never did.
 */
export function spinWhile(
  i32: Int32Array,
  index: number,
  value: number,
  rounds: number = SPIN_ROUNDS,
): boolean {
  for (let i = 0; i < rounds; i++) {
    if (Atomics.load(i32, index) !== value) return true;
    Atomics.pause();
  }
  return Atomics.load(i32, index) !== value;
}

/**
 * Blocks while `i32[index] === value`, for at most `timeout` ms
 * (`Infinity`: no limit).
 */
export function waitSync(
  i32: Int32Array,
  index: number,
  value: number,
  timeout: number = Infinity,
): WaitResult {
  return Atomics.wait(i32, index, value, timeout);
}

/**
 * Waits without blocking while `i32[index] === value`, for at most `timeout`
 * ms (`Infinity`: no limit). Resolves `"aborted"` (never rejects) when
 * `signal` aborts first; the platform wait is woken so nothing stays pending.
 */
export function waitAsync(
  i32: Int32Array,
  index: number,
  value: number,
  timeout: number = Infinity,
  signal?: AbortSignal,
): Promise<WaitResult> {
  if (signal?.aborted) return Promise.resolve("aborted");
  const result = Atomics.waitAsync(i32, index, value, timeout);
  if (!result.async) return Promise.resolve(result.value);
  // A pending platform wait does not keep Deno's event loop alive: a timer
  // does, until the wait ends (and is cleared then, for the ops sanitizer).
  const keepAlive = setInterval(noop, KEEP_ALIVE_MS);
  return new Promise<WaitResult>((resolve) => {
    const onAbort = (): void => {
      clearInterval(keepAlive);
      resolve("aborted");
      Atomics.notify(i32, index);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    result.value.then((value) => {
      clearInterval(keepAlive);
      signal?.removeEventListener("abort", onAbort);
      resolve(value);
    });
  });
}

const KEEP_ALIVE_MS = 2 ** 30;
function noop(): void {}

/** Wakes at most `count` sleepers of `i32[index]`; returns how many woke. */
export function notify(
  i32: Int32Array,
  index: number,
  count: number = Infinity,
): number {
  return Atomics.notify(i32, index, count);
}

/**
 * A point in time after which a wait gives up. Built from a validated
 * `timeout`; `remaining()` is what to pass to the next platform wait.
 */
export class Deadline {
  readonly #end: number;

  constructor(timeout: number) {
    this.#end = timeout === Infinity ? Infinity : performance.now() + timeout;
  }

  /** Milliseconds left (never negative; `Infinity` for no limit). */
  remaining(): number {
    if (this.#end === Infinity) return Infinity;
    return Math.max(0, this.#end - performance.now());
  }

  /** Whether the deadline has passed. */
  expired(): boolean {
    return this.remaining() === 0;
  }
}

/**
 * Checks the `timeout` and `signal` of a waiting call and returns the
 * timeout in ms (`Infinity` when absent). `action` names the call for the
 * error messages ("acquire Lock").
 */
export function checkWaitOptions(
  action: string,
  options: WaitOptions | undefined,
): number {
  if (options === undefined) return Infinity;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot ${action} as options must be an object: received ${
        String(options)
      }`,
    );
  }
  const { signal, timeout } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(
      `Cannot ${action} as signal must be an AbortSignal: received ${
        String(signal)
      }`,
    );
  }
  if (timeout === undefined) return Infinity;
  if (typeof timeout !== "number") {
    throw new TypeError(
      `Cannot ${action} as timeout must be a number: received ${
        String(timeout)
      }`,
    );
  }
  if (Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError(
      `Cannot ${action} as timeout must be a non-negative number: received ${timeout}`,
    );
  }
  return timeout;
}

/** The error a wait that ran out of time rejects with. */
export function timeoutError(action: string, timeout: number): DOMException {
  return new DOMException(
    `Cannot ${action} as the timeout elapsed: waited ${timeout} ms`,
    "TimeoutError",
  );
}

/** One request to sleep, yielded by a waiting algorithm written once. */
export interface Sleep {
  /** The words. */
  i32: Int32Array;
  /** The word to sleep on. */
  index: number;
  /** Sleep while the word holds this value. */
  value: number;
  /** For at most this many ms. */
  timeout: number;
}

/**
 * A waiting algorithm written once as a generator: it yields each `Sleep`
 * it needs and receives how that sleep ended (`"aborted"` only in the async
 * form). `runSync` and `runAsync` drive it with `Atomics.wait` or
 * `Atomics.waitAsync`, so the blocking twin and the async form share every
 * line of the algorithm.
 */
export type Waiting<T> = Generator<Sleep, T, WaitResult>;

/** Runs a waiting algorithm, blocking the thread in each sleep. */
export function runSync<T>(steps: Waiting<T>): T {
  let step = steps.next();
  while (!step.done) {
    const { i32, index, value, timeout } = step.value;
    step = steps.next(waitSync(i32, index, value, timeout));
  }
  return step.value;
}

/** Runs a waiting algorithm without blocking the thread. */
export async function runAsync<T>(
  steps: Waiting<T>,
  signal: AbortSignal | undefined,
): Promise<T> {
  let step = steps.next();
  while (!step.done) {
    const { i32, index, value, timeout } = step.value;
    step = steps.next(await waitAsync(i32, index, value, timeout, signal));
  }
  return step.value;
}
