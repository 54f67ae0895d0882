/**
 * The robust mutex word shared by `Lock` and `RLock` (and through them,
 * `Condition`).
 *
 * One `Int32` word: `0` when free; otherwise the holder's agent id (bits
 * 0–29, see `_agent.ts`) plus a `WAITERS` flag (bit 30) that says "someone
 * may be asleep on this word, wake one on release" (Drepper's "Futexes are
 * tricky", mutex 2, with the holder's id in place of the constant 1).
 *
 * - Acquire: compare-and-swap `0 → id`. On failure spin a little while the
 *   word is non-zero (a short critical section on another CPU ends sooner
 *   than a sleeping hand-off), then set `WAITERS` and sleep on the word. A
 *   thread that has slept acquires with `id | WAITERS`, since others may
 *   still be asleep.
 * - Release: exchange the word with `0`; if `WAITERS` was set, wake one.
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
import type { Guard } from "./guard.ts";
import { LockAbandonedError } from "./lock_abandoned_error.ts";

/** Flag bit: a thread may be asleep on the word. */
export const WAITERS = 1 << 30;
/** Mask of the holder's agent id. */
export const OWNER = WAITERS - 1;
/** How often a sleeper checks whether the holder died, in ms. */
export const POLL_MS = 100;

/** How an acquisition attempt ended. */
export type LockResult = "acquired" | "abandoned" | "timed-out" | "aborted";

/** Takes the word over from a dead holder; `true` when it did. */
function takeOver(i32: Int32Array, index: number, word: number, me: number) {
  const owner = word & OWNER;
  if (owner >= AGENT_SLOTS || !isAgentDead(owner)) return false;
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
 * on (with `WAITERS` set) and how long to sleep.
 */
function step(
  i32: Int32Array,
  index: number,
  me: number,
  slept: boolean,
  deadline: Deadline,
): LockResult | { word: number; sleep: number } | undefined {
  let word = Atomics.load(i32, index);
  if (word === 0) {
    const mine = slept ? me | WAITERS : me;
    if (Atomics.compareExchange(i32, index, 0, mine) === 0) return "acquired";
    return undefined;
  }
  if (takeOver(i32, index, word, me)) return "abandoned";
  for (let i = 0; i < SPIN_ROUNDS && word !== 0; i++) {
    Atomics.pause();
    word = Atomics.load(i32, index);
  }
  if (word === 0) return undefined;
  if ((word & WAITERS) === 0) {
    const seen = Atomics.compareExchange(i32, index, word, word | WAITERS);
    if (seen !== word) return undefined;
    word |= WAITERS;
  }
  const remaining = deadline.remaining();
  if (remaining === 0) return "timed-out";
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
  const first = tryLock(i32, index, me);
  if (first !== "busy") return first;
  const deadline = new Deadline(timeout);
  let slept = false;
  for (;;) {
    const next = step(i32, index, me, slept, deadline);
    if (next === undefined) continue;
    if (typeof next === "string") return next;
    waitSync(i32, index, next.word, next.sleep);
    slept = true;
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
  const first = tryLock(i32, index, me);
  if (first !== "busy") return first;
  const deadline = new Deadline(timeout);
  let slept = false;
  for (;;) {
    const next = step(i32, index, me, slept, deadline);
    if (next === undefined) continue;
    if (typeof next === "string") return next;
    const result = await waitAsync(i32, index, next.word, next.sleep, signal);
    if (result === "aborted") return "aborted";
    slept = true;
  }
}

/** Frees the word and wakes one sleeper if any; returns the old word. */
export function unlock(i32: Int32Array, index: number): number {
  const word = Atomics.exchange(i32, index, 0);
  if ((word & WAITERS) !== 0) Atomics.notify(i32, index, 1);
  return word;
}

/**
 * Turns the outcome of an acquisition into a guard or the right error.
 * Shared by `Lock` and `RLock`.
 */
export function settleLock(
  name: string,
  result: LockResult | "busy",
  guard: () => Guard,
  timeout: number,
  signal: AbortSignal | undefined,
): Guard | undefined {
  switch (result) {
    case "acquired":
      return guard();
    case "abandoned":
      throw new LockAbandonedError(
        `Acquired ${name} from an agent that died holding it: check the data it protects`,
        guard(),
      );
    case "timed-out":
      throw timeoutError(`acquire ${name}`, timeout);
    case "aborted":
      throw signal?.reason;
    case "busy":
      return undefined;
  }
}
