/**
 * The robust mutex word shared by `Lock` and `RLock` (and through them,
 * `Condition`).
 *
 * One `Int32` word: `0` when free; otherwise the holder's agent id (bits
 * 0–29, see `_agent.ts`) plus two flags. `WAITERS` (bit 30) says "someone
 * may be asleep on this word, wake one on release" (Drepper's "Futexes are
 * tricky", mutex 2, with the holder's id in place of the constant 1).
 * `HANDOFF` (bit 31) bounds barging, as Go's `sync.Mutex` starvation mode
 * does.
 *
 * - Acquire: compare-and-swap `0 → id`. On failure spin a little while the
 *   lock is held (a short critical section on another CPU ends sooner than
 *   a sleeping hand-off), then set `WAITERS` and sleep on the word. A thread
 *   that has slept acquires with `id | WAITERS`, since others may still be
 *   asleep.
 * - Release: clear the word; if `WAITERS` was set, wake one sleeper.
 * - Fairness: the releasing thread usually takes the lock straight back
 *   (cheap, and what makes a contended lock fast), so a woken sleeper can
 *   lose again and again. A sleeper woken `STARVING_WAKES` times without
 *   getting the lock sets `HANDOFF`: the next release then leaves the word at
 *   `HANDOFF` (held by nobody, closed to threads that never slept) and wakes
 *   one sleeper, which takes it. If nobody is asleep by then, the releaser
 *   reopens the lock (`HANDOFF → 0`).
 * - Robustness: when the word names an agent that `_agent.ts` knows to be
 *   dead, an acquirer swaps its own id in and reports `"abandoned"`. A dead
 *   holder never releases, so sleepers wake every `POLL_MS` to look (only
 *   when the holder's id is one that can be marked dead).
 *
 * @module
 */
import { AGENT_SLOTS, isAgentDead } from "./_agent.ts";
import {
  Deadline,
  SPIN_ROUNDS,
  timeoutError,
  waitAsync,
  waitSync,
} from "./_futex.ts";
import { LockGuard, type Releasable } from "./_guard.ts";
import type { Guard } from "./guard.ts";
import { LockAbandonedError } from "./lock_abandoned_error.ts";

/** Flag bit: a thread may be asleep on the word. */
export const WAITERS = 1 << 30;
/** Flag bit: the lock goes to a thread that slept (the sign bit). */
export const HANDOFF = 1 << 31;
/** Mask of the holder's agent id. */
export const OWNER = WAITERS - 1;
/** How often a sleeper checks whether the holder died, in ms. */
export const POLL_MS = 100;
/** Wake-ups without the lock after which a sleeper asks for a hand-off. */
export const STARVING_WAKES = 2;

/** How an acquisition attempt ended. */
export type LockResult = "acquired" | "abandoned" | "timed-out" | "aborted";

/** Whether the word is free for a thread (`slept`: one that has slept). */
function free(word: number, slept: boolean): boolean {
  return word === 0 || (slept && (word & OWNER) === 0);
}

/** Takes the word over from a dead holder; `true` when it did. */
function takeOver(i32: Int32Array, index: number, word: number, me: number) {
  const owner = word & OWNER;
  if (owner === 0 || owner >= AGENT_SLOTS || !isAgentDead(owner)) return false;
  return Atomics.compareExchange(i32, index, word, me | WAITERS) === word;
}

/** One attempt without waiting. */
export function tryLock(
  i32: Int32Array,
  index: number,
  me: number,
): "acquired" | "abandoned" | "busy" {
  const word = Atomics.compareExchange(i32, index, 0, me);
  if (word === 0) return "acquired";
  return takeOver(i32, index, word, me) ? "abandoned" : "busy";
}

/**
 * One step of the slow path shared by `lockSync` and `lockAsync`: acquires
 * or takes over when it can, otherwise spins, then returns the word to sleep
 * on (with `WAITERS`, and `HANDOFF` when `wakes` says it starves) and how
 * long to sleep.
 */
function step(
  i32: Int32Array,
  index: number,
  me: number,
  wakes: number,
  deadline: Deadline,
): LockResult | { word: number; sleep: number } | undefined {
  const slept = wakes > 0;
  let word = Atomics.load(i32, index);
  if (free(word, slept)) {
    const mine = slept ? me | WAITERS : me;
    const seen = Atomics.compareExchange(i32, index, word, mine);
    return seen === word ? "acquired" : undefined;
  }
  if (takeOver(i32, index, word, me)) return "abandoned";
  for (let i = 0; i < SPIN_ROUNDS && !free(word, slept); i++) {
    Atomics.pause();
    word = Atomics.load(i32, index);
  }
  if (free(word, slept)) return undefined;
  const flags = wakes >= STARVING_WAKES ? WAITERS | HANDOFF : WAITERS;
  if ((word & flags) !== flags) {
    const seen = Atomics.compareExchange(i32, index, word, word | flags);
    if (seen !== word) return undefined;
    word |= flags;
  }
  const remaining = deadline.remaining();
  if (remaining === 0) return "timed-out";
  // Poll when the holder can be marked dead, or when nobody holds the word
  // (a hand-off in flight, whose taker may never come).
  const pollable = (word & OWNER) < AGENT_SLOTS;
  return { word, sleep: pollable ? Math.min(remaining, POLL_MS) : remaining };
}

/** Acquires, blocking the thread with `Atomics.wait`. */
export function lockSync(
  i32: Int32Array,
  index: number,
  me: number,
  timeout: number,
): LockResult {
  // No compare-and-swap before looking: a failed one would pull the word's
  // cache line away from the holder. `step` loads first.
  const deadline = new Deadline(timeout);
  let wakes = 0;
  for (;;) {
    const next = step(i32, index, me, wakes, deadline);
    if (next === undefined) continue;
    if (typeof next === "string") return next;
    wakes = counted(wakes, waitSync(i32, index, next.word, next.sleep));
  }
}

/** Acquires without blocking the thread, with `Atomics.waitAsync`. */
export async function lockAsync(
  i32: Int32Array,
  index: number,
  me: number,
  timeout: number,
  signal: AbortSignal | undefined,
): Promise<LockResult> {
  const deadline = new Deadline(timeout);
  let wakes = 0;
  for (;;) {
    const next = step(i32, index, me, wakes, deadline);
    if (next === undefined) continue;
    if (typeof next === "string") return next;
    const result = await waitAsync(i32, index, next.word, next.sleep, signal);
    if (result === "aborted") {
      passOn(i32, index, me);
      return "aborted";
    }
    wakes = counted(wakes, result);
  }
}

/**
 * Counts wake-ups by a release (`"ok"`). A sleep that ran out (a poll slice)
 * counts as having slept, so the sleeper may take a hand-off whose intended
 * taker never came (it was terminated before it could run).
 */
function counted(wakes: number, result: string): number {
  if (result === "ok") return wakes + 1;
  if (result === "timed-out") return Math.max(wakes, 1);
  return wakes;
}

/**
 * After an aborted sleep: the hand-off may have been meant for this waiter,
 * whose wake-up was spent, so take it and release it again to the next one.
 */
function passOn(i32: Int32Array, index: number, me: number): void {
  const word = Atomics.load(i32, index);
  if (word !== 0 && (word & OWNER) === 0) {
    if (Atomics.compareExchange(i32, index, word, me | WAITERS) === word) {
      unlock(i32, index);
    }
  }
}

/**
 * Releases the word and wakes one sleeper if any; returns the old word. A
 * word that no agent holds (`word & OWNER` is `0`) is left as it is, for
 * the caller to report.
 */
export function unlock(i32: Int32Array, index: number): number {
  let word = Atomics.load(i32, index);
  for (;;) {
    if ((word & OWNER) === 0) return word;
    const seen = Atomics.compareExchange(i32, index, word, word & HANDOFF);
    if (seen === word) break;
    word = seen;
  }
  if ((word & HANDOFF) !== 0) handOff(i32, index);
  else if ((word & WAITERS) !== 0) Atomics.notify(i32, index, 1);
  return word;
}

/**
 * Wakes one sleeper to take a word left at `HANDOFF`; when nobody sleeps,
 * reopens the lock to everyone.
 */
function handOff(i32: Int32Array, index: number): void {
  for (;;) {
    if (Atomics.notify(i32, index, 1) > 0) return;
    const word = Atomics.load(i32, index);
    if ((word & OWNER) !== 0 || word === 0) return; // taken meanwhile
    // Nobody asleep: reopen. A thread about to sleep on `HANDOFF | WAITERS`
    // finds the word changed and looks again.
    if (Atomics.compareExchange(i32, index, word, 0) === word) return;
  }
}

/**
 * Turns the outcome of an acquisition into a guard of `lock` or the right
 * error. Shared by `Lock` and `RLock`.
 */
export function settleLock(
  name: string,
  result: LockResult | "busy",
  lock: Releasable,
  timeout: number,
  signal: AbortSignal | undefined,
): Guard | undefined {
  switch (result) {
    case "acquired":
      return new LockGuard(lock);
    case "abandoned":
      throw new LockAbandonedError(
        `Acquired ${name} from an agent that died holding it: check the data it protects`,
        new LockGuard(lock),
      );
    case "timed-out":
      throw timeoutError(`acquire ${name}`, timeout);
    case "aborted":
      throw signal?.reason;
    case "busy":
      return undefined;
  }
}
