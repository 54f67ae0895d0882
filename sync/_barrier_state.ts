/**
 * The barrier state machine behind `Barrier`.
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
import { Deadline, spinWhile, type Waiting } from "./_futex.ts";

/** Words of a barrier: the state and `parties`. */
export const WORDS = 2;
const STATE = 0;
const PARTIES = 1;
const FILLING = 0;
const DRAINING = 1;
const RESETTING = 2;
const BROKEN = 3;
/** The most parties a barrier takes (the `count` field is 16 bits). */
export const MAX_PARTIES = 0xffff;

const phaseOf = (state: number): number => state >>> 16;
const countOf = (state: number): number => state & 0xffff;
const stateOf = (phase: number, count: number): number => (phase << 16) | count;

/** How a wait ended: the arrival index, or why not. */
export type Outcome =
  | number
  | { kind: "broken" | "timed-out" | "aborted" }
  | { kind: "thrown"; error: unknown };

/** The shared words of one barrier and every transition on them. */
export class BarrierState {
  readonly #i32: Int32Array;

  constructor(i32: Int32Array) {
    this.#i32 = i32;
  }

  /** Writes a fresh barrier for `parties`. */
  init(parties: number): void {
    Atomics.store(this.#i32, STATE, stateOf(FILLING, 0));
    Atomics.store(this.#i32, PARTIES, parties);
  }

  /** How many agents each cycle waits for. */
  get parties(): number {
    return Atomics.load(this.#i32, PARTIES);
  }

  /** How many agents wait in the current cycle. */
  get nWaiting(): number {
    const state = Atomics.load(this.#i32, STATE);
    return phaseOf(state) === FILLING ? countOf(state) : 0;
  }

  /** Whether the barrier is broken. */
  get broken(): boolean {
    return phaseOf(Atomics.load(this.#i32, STATE)) === BROKEN;
  }

  /** Breaks the barrier. */
  abort(): void {
    this.#move((state) => stateOf(BROKEN, countOf(state)));
  }

  /** Back to `FILLING`, through `RESETTING` while agents are inside. */
  reset(): void {
    this.#move((state) => {
      const count = countOf(state);
      if (count === 0) return stateOf(FILLING, 0);
      const phase = phaseOf(state);
      return stateOf(phase === DRAINING ? DRAINING : RESETTING, count);
    });
  }

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

  *waiting(
    timeout: number,
    action: (() => void) | undefined,
  ): Waiting<Outcome> {
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
    if (index === parties - 1) return this.#release(action);
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
  #release(action: (() => void) | undefined): Outcome {
    try {
      action?.();
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
