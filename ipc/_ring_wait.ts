/**
 * Waiting on a ring: `runSync` and `runAsync` drive an operation of
 * `_ring_ops.ts` to its end. Between steps they spin briefly on the word the
 * operation waits on (a sleeping hand-off costs 20–100 µs on a loaded
 * machine, a spin about one when the other thread runs on another CPU; the
 * budget adapts), then sleep on it with `Atomics.wait` (the async path
 * first holds the thread in a bounded `Atomics.wait`, whose wake-up is
 * cheaper than a `waitAsync` one) / `Atomics.waitAsync` in
 * slices of `SLICE_MS`, so that a lock holder that died is noticed. The
 * sleeper count after each word (`word + 1`) tells wakers whether to
 * notify. Timeouts and aborts cancel the operation when it can be
 * cancelled (a stream being read is read to its end).
 *
 * @module
 */
import { DONE, type Ring } from "./_ring.ts";
import type { Op } from "./_ring_ops.ts";

const SLICE_MS = 100;
const SPIN_MAX_NS = 200_000;
const SPIN_PROBE_NS = 2_000;
const LATE_STREAK = 3;
/** A spin this long that gives up, then a wake-up this soon: crowded CPUs. */
const CROWDED_SPIN_NS = 100_000;
const CROWDED_WAKE_NS = 30_000;
/** A pause this long between two looks of a spin: preempted. */
const GAP_NS = 20_000;
const HOLD_MAX_MS = 1;
const HOLD_MIN_MS = 0.05;

/**
 * This thread's spin budget, adapted like an adaptive mutex. A spin that
 * sees the change doubles it (the other side runs on another CPU). A wait
 * that had to sleep is judged when it wakes: if the change came within
 * `SPIN_MAX_NS` of the start of the spin, a longer spin would have caught
 * it and the budget grows to cover it; if later, three times in a row (the
 * other side is idle, or the CPUs are busy and spinning only takes time
 * from the thread it waits for), the budget halves, down to nothing. Then
 * one wait in 32 probes with a short spin, and a quick wake-up grows the
 * budget back. The cap is long because one sleep is costly twice over:
 * the waker's `notify` took 20–100 µs in the measurements, during which
 * the woken side misses its own spin and sleeps in turn, so that a single
 * stall (a GC, a preemption) otherwise turns a spinning ping-pong into a
 * sleeping one for many round trips.
 */
let budget = 8_000;
let waits = 0;
/** Sleeping waits in a row that a spin could not have caught. */
let late = 0;
/** When the current wait's spin gave up after a long spin, else 0. */
let spunOut = 0;
/** When the current wait started spinning (ms, `performance.now()`). */
let spinStart = 0;

/** Spins until `h[word] !== value` or the spin budget is spent. */
function spin(h: Int32Array, word: number, value: number): boolean {
  let limit = budget;
  const start = spinStart = performance.now();
  spunOut = 0;
  if (limit < 100) {
    if ((++waits & 31) !== 0) return Atomics.load(h, word) !== value;
    limit = SPIN_PROBE_NS;
  }
  let last = start;
  for (let i = 1;; i++) {
    if (Atomics.load(h, word) !== value) {
      budget = Math.min(SPIN_MAX_NS, Math.max(2 * budget, SPIN_PROBE_NS));
      late = 0;
      return true;
    }
    if ((i & 15) === 0) {
      const now = performance.now();
      if ((now - last) * 1e6 > GAP_NS) {
        // This thread was taken off its CPU mid-spin: the CPUs are shared,
        // quite likely with the thread it waits for. Sleep, and spin less.
        budget /= 4;
        return false;
      }
      last = now;
      if ((now - start) * 1e6 > limit) {
        spunOut = limit >= CROWDED_SPIN_NS ? now : 0;
        return false;
      }
    } else Atomics.pause();
  }
}

/**
 * Judges the spin budget after a sleeping wait: `woken` when it ended with
 * the change rather than a timeout.
 */
function judge(woken: boolean, start = spinStart, out = spunOut): void {
  const now = performance.now();
  const ns = (now - start) * 1e6;
  if (woken && out > 0 && (now - out) * 1e6 < CROWDED_WAKE_NS) {
    // Woken right after a long spin gave up: the spin kept the other side
    // off the CPU it needed (both threads on one CPU), so stop spinning.
    budget /= 4;
    late = 0;
  } else if (woken && ns < SPIN_MAX_NS) {
    budget = Math.min(SPIN_MAX_NS, Math.max(2 * budget, SPIN_PROBE_NS, ns));
    late = 0;
  } else if (++late >= LATE_STREAK) budget /= 2;
}

/**
 * The async path's hold budget in ms: how long a wait may block the thread
 * (`Atomics.wait`) before it yields to the event loop with `waitAsync`. A
 * blocking wake-up costs a few µs, a `waitAsync` one 30–60 µs (a task
 * posted to the event loop). The budget stays while holds are woken (the
 * other side answers quickly) and halves when one times out (the other
 * side is idle: stalling the event loop would only add latency elsewhere),
 * down to nothing; then one wait in 16 probes with a short hold.
 */
let holdBudget = HOLD_MAX_MS;
let holdWaits = 0;

/**
 * Blocks on `h[word] === value` for at most the hold budget (and `left`
 * ms); true when woken or the word changed, false when the hold timed out
 * or was skipped.
 */
function hold(
  h: Int32Array,
  word: number,
  value: number,
  left: number,
): boolean {
  let limit = holdBudget;
  if (limit < HOLD_MIN_MS) {
    if ((++holdWaits & 15) !== 0) return false;
    limit = HOLD_MIN_MS;
  }
  Atomics.add(h, word + 1, 1);
  let result: string;
  try {
    result = Atomics.wait(h, word, value, Math.min(limit, left));
  } finally {
    Atomics.sub(h, word + 1, 1);
  }
  if (result === "timed-out") {
    holdBudget /= 2;
    judge(false);
    return false;
  }
  judge(true);
  holdBudget = Math.min(HOLD_MAX_MS, Math.max(holdBudget * 2, HOLD_MIN_MS));
  return true;
}

/**
 * Judges both budgets after a `waitAsync`: a change that came within
 * `HOLD_MAX_MS` of the start of the wait would have been caught by a
 * hold, so the hold budget grows back to cover it.
 */
function rehold(woken: boolean, start: number, out: number): void {
  const ms = performance.now() - start;
  if (woken && ms < HOLD_MAX_MS) {
    holdBudget = Math.min(
      HOLD_MAX_MS,
      Math.max(2 * holdBudget, HOLD_MIN_MS, 2 * ms),
    );
  }
  judge(woken, start, out);
}

/** The rejection of a timed-out wait. */
export function timeoutError(what: string, timeout: number): DOMException {
  return new DOMException(
    `Timed out after ${timeout} ms waiting to ${what}`,
    "TimeoutError",
  );
}

/**
 * Validates a `timeout` option: a non-negative number or `undefined`.
 *
 * @throws {RangeError} otherwise.
 */
export function checkTimeout(action: string, timeout: unknown): void {
  if (
    timeout !== undefined &&
    (typeof timeout !== "number" || !(timeout >= 0))
  ) {
    throw new RangeError(
      `Cannot ${action} as timeout must be a non-negative number of milliseconds: received ${
        String(timeout)
      }`,
    );
  }
}

/**
 * Drives `op` to the end, blocking the thread (`Atomics.wait`).
 *
 * @throws {DOMException} `TimeoutError` when `timeout` passes first.
 */
export function runSync(
  ring: Ring,
  op: Op,
  what: string,
  timeout?: number,
): void {
  const h = ring.h;
  justSpun = false;
  const deadline = timeout === undefined
    ? Infinity
    : performance.now() + timeout;
  for (;;) {
    const word = op.step();
    if (word === DONE) return;
    const value = op.waitValue;
    if (spin(h, word, value)) continue;
    const left = deadline - performance.now();
    if (left <= 0 && op.cancellable) {
      op.cancel();
      throw timeoutError(what, timeout!);
    }
    Atomics.add(h, word + 1, 1);
    let result: string;
    try {
      result = Atomics.wait(
        h,
        word,
        value,
        left > 0 ? Math.min(SLICE_MS, left) : SLICE_MS,
      );
    } finally {
      Atomics.sub(h, word + 1, 1);
    }
    judge(result !== "timed-out");
  }
}

/** Set when `stepSpinning` gave up: the next `runAsync` skips one spin. */
let justSpun = false;

/**
 * Steps `op`, spinning between steps within the spin budget, and never
 * sleeps: true once it is done. Lets `put()`/`get()`/`send()`/`recv()` finish
 * without an async frame when the other side answers within a spin. When
 * it gives up, call `runAsync` at once: it goes straight to sleeping.
 */
export function stepSpinning(ring: Ring, op: Op): boolean {
  for (;;) {
    const word = op.step();
    if (word === DONE) return true;
    if (!spin(ring.h, word, op.waitValue)) {
      justSpun = true;
      return false;
    }
  }
}

/** Options of `runAsync`. */
export interface RunOptions {
  /** Abort the wait. */
  signal?: AbortSignal | undefined;
  /** Give up after this many milliseconds. */
  timeout?: number | undefined;
}

/**
 * Drives `op` to the end without blocking the event loop
 * (`Atomics.waitAsync`, after a brief spin).
 */
export async function runAsync(
  ring: Ring,
  op: Op,
  what: string,
  options: RunOptions = {},
): Promise<void> {
  const { signal, timeout } = options;
  const h = ring.h;
  const deadline = timeout === undefined
    ? Infinity
    : performance.now() + timeout;
  let skipSpin = justSpun;
  justSpun = false;
  let word = DONE;
  const onAbort = () => {
    if (word !== DONE) Atomics.notify(h, word);
  };
  signal?.addEventListener("abort", onAbort);
  try {
    for (;;) {
      if (signal?.aborted && op.cancellable) {
        op.cancel();
        throw signal.reason;
      }
      word = op.step();
      if (word === DONE) return;
      const value = op.waitValue;
      if (!skipSpin && spin(h, word, value)) continue;
      skipSpin = false;
      const started = spinStart, out = spunOut;
      const left = deadline - performance.now();
      if (left <= 0 && op.cancellable) {
        op.cancel();
        throw timeoutError(what, timeout!);
      }
      if (left > 0 && hold(h, word, value, left)) continue;
      const slice = left > 0 ? Math.min(SLICE_MS, left) : SLICE_MS;
      Atomics.add(h, word + 1, 1);
      try {
        const wait = Atomics.waitAsync(h, word, value, slice);
        if (wait.async) {
          // A pending waitAsync does not keep Deno's event loop alive: a
          // timer of the same length does.
          let timer: ReturnType<typeof setTimeout> | undefined;
          const alive = new Promise<void>((resolve) => {
            timer = setTimeout(resolve, slice + 1);
          });
          try {
            await Promise.race([wait.value, alive]);
          } finally {
            clearTimeout(timer);
          }
        }
      } finally {
        Atomics.sub(h, word + 1, 1);
      }
      rehold(Atomics.load(h, word) !== value, started, out);
    }
  } catch (error) {
    if (op.cancellable) op.cancel();
    throw error;
  } finally {
    word = DONE;
    signal?.removeEventListener("abort", onAbort);
  }
}
