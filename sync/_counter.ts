/**
 * The counting word shared by `Semaphore` and `BoundedSemaphore`.
 *
 * Word `VALUE` holds the count; word `SLEEPERS` how many waiters are asleep
 * (or about to sleep) on it. `down` takes one unit with compare-and-swap when
 * the count is positive; otherwise it spins briefly, then registers in
 * `SLEEPERS` and sleeps while the count is still 0. `up` adds units, then
 * wakes as many sleepers as units, if any sleep. Both sides use sequentially
 * consistent `Atomics`, so either `up` sees the sleeper or the sleeper sees
 * the new count: no wake-up is lost. A woken sleeper that loses the unit to
 * a thread that never slept simply sleeps again.
 *
 * @module
 */
import {
  checkWaitOptions,
  Deadline,
  spinWhile,
  timeoutError,
  waitAsync,
  waitSync,
} from "./_futex.ts";
import type { Guard } from "./guard.ts";
import type { WaitOptions, WaitSyncOptions } from "./wait_options.ts";

/** Index of the count. */
export const VALUE = 0;
/** Index of the sleeper count. */
export const SLEEPERS = 1;
/** The largest count a semaphore holds. */
export const MAX_VALUE = 0x7fff_ffff;

/** Takes one unit if there is one. */
export function tryDown(i32: Int32Array): boolean {
  let value = Atomics.load(i32, VALUE);
  while (value > 0) {
    const seen = Atomics.compareExchange(i32, VALUE, value, value - 1);
    if (seen === value) return true;
    value = seen;
  }
  return false;
}

/** Takes one unit, blocking the thread; `false` when `timeout` elapsed. */
export function downSync(i32: Int32Array, timeout: number): boolean {
  if (tryDown(i32)) return true;
  const deadline = new Deadline(timeout);
  for (;;) {
    spinWhile(i32, VALUE, 0);
    if (tryDown(i32)) return true;
    const remaining = deadline.remaining();
    if (remaining === 0) return false;
    Atomics.add(i32, SLEEPERS, 1);
    waitSync(i32, VALUE, 0, remaining);
    Atomics.sub(i32, SLEEPERS, 1);
  }
}

/**
 * Takes one unit without blocking the thread: `"acquired"`, `"timed-out"`
 * or `"aborted"`.
 */
export async function downAsync(
  i32: Int32Array,
  timeout: number,
  signal: AbortSignal | undefined,
): Promise<"acquired" | "timed-out" | "aborted"> {
  if (tryDown(i32)) return "acquired";
  const deadline = new Deadline(timeout);
  for (;;) {
    spinWhile(i32, VALUE, 0);
    if (tryDown(i32)) return "acquired";
    const remaining = deadline.remaining();
    if (remaining === 0) return "timed-out";
    Atomics.add(i32, SLEEPERS, 1);
    const result = await waitAsync(i32, VALUE, 0, remaining, signal);
    Atomics.sub(i32, SLEEPERS, 1);
    if (result === "aborted") return "aborted";
  }
}

/**
 * `acquire()` of `Semaphore` and `BoundedSemaphore`: takes one unit without
 * blocking the thread and returns `guard()`, or throws the error of a
 * timeout or an abort. `action` (`"acquire Semaphore"`) names the call.
 */
export async function acquireUnit(
  action: string,
  i32: Int32Array,
  options: WaitOptions | undefined,
  guard: () => Guard,
): Promise<Guard> {
  const timeout = checkWaitOptions(action, options);
  const signal = options?.signal;
  signal?.throwIfAborted();
  const result = await downAsync(i32, timeout, signal);
  if (result === "aborted") throw signal?.reason;
  if (result === "timed-out") throw timeoutError(action, timeout);
  return guard();
}

/** Blocking twin of `acquireUnit()`. */
export function acquireUnitSync(
  action: string,
  i32: Int32Array,
  options: WaitSyncOptions | undefined,
  guard: () => Guard,
): Guard {
  const timeout = checkWaitOptions(action, options);
  if (!downSync(i32, timeout)) throw timeoutError(action, timeout);
  return guard();
}

/**
 * Adds `n` units unless that would pass `bound`; returns the count before,
 * or `undefined` (and changes nothing) when it would.
 */
export function up(
  i32: Int32Array,
  n: number,
  bound: number,
): number | undefined {
  let value = Atomics.load(i32, VALUE);
  for (;;) {
    if (value + n > bound) return undefined;
    const seen = Atomics.compareExchange(i32, VALUE, value, value + n);
    if (seen === value) break;
    value = seen;
  }
  if (Atomics.load(i32, SLEEPERS) > 0) Atomics.notify(i32, VALUE, n);
  return value;
}

/**
 * Checks a count argument: an integer from `min` (0 or 1) up to
 * `MAX_VALUE`. `action` and `what` name it in error messages.
 */
export function checkCount(
  action: string,
  what: string,
  value: unknown,
  min: number,
): number {
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot ${action} as ${what} must be a number: received ${
        typeof value === "string" ? JSON.stringify(value) : String(value)
      }`,
    );
  }
  if (!Number.isInteger(value) || value < min) {
    const kind = min === 0 ? "a non-negative" : "a positive";
    throw new RangeError(
      `Cannot ${action} as ${what} must be ${kind} integer: received ${value}`,
    );
  }
  if (value > MAX_VALUE) {
    throw new RangeError(
      `Cannot ${action} as ${what} must be at most ${MAX_VALUE}: received ${value}`,
    );
  }
  return value;
}
