/**
 * The FIFO waiter queue behind `Condition`: who waits, and who gets woken.
 *
 * Memory: word 0 is `head`, the ticket of the oldest waiter not yet passed;
 * word 1 is `tail`, the next ticket; then a ring of `slots` words (a power
 * of two). A waiter (holding the condition's lock) takes ticket `t`, writes
 * `t << 2 | WAITING` into slot `t % slots`, and, once it has released the
 * lock, sleeps on its own slot. `notify(n)` (holding the lock) walks the ring
 * from `head` and turns up to `n` `WAITING` slots into `NOTIFIED`, waking
 * each; a waiter that times out or is aborted turns its slot into
 * `CANCELLED`. Both are one compare-and-swap on the slot, so when a timeout
 * races a notify exactly one wins: a notified waiter is never lost, a
 * cancelled one never counts against `n`, and waiters are woken in arrival
 * order. The ticket in the slot word lets a slot be reused while its
 * previous waiter has not yet looked at it: that waiter sees a word that is
 * no longer its own `WAITING`, which can only mean it was notified.
 *
 * @module
 */
import { Deadline, spinWhile, type Waiting } from "./_futex.ts";
import { describeValue } from "./_region.ts";

/** Words before the ring. */
export const HEADER_WORDS = 2;
const HEAD = 0;
const TAIL = 1;
const WAITING = 0;
const NOTIFIED = 1;
const CANCELLED = 2;
const TICKETS = (1 << 29) - 1;
/** The largest number of slots. */
export const MAX_SLOTS = 1 << 20;

/**
 * The number of ring slots for `maxWaiters` (the next power of two).
 *
 * @throws {TypeError} When `maxWaiters` is not a number.
 * @throws {RangeError} When it is not an integer from 1 to `MAX_SLOTS`.
 */
export function slotsFor(maxWaiters: unknown): number {
  if (
    typeof maxWaiters !== "number" || !Number.isInteger(maxWaiters) ||
    maxWaiters < 1 || maxWaiters > MAX_SLOTS
  ) {
    const error = typeof maxWaiters === "number" ? RangeError : TypeError;
    throw new error(
      `Cannot create Condition as maxWaiters must be an integer from 1 to ${MAX_SLOTS}: received ${
        describeValue(maxWaiters)
      }`,
    );
  }
  return 2 ** Math.ceil(Math.log2(maxWaiters));
}

/** A waiter queue over `HEADER_WORDS + slots` shared words. */
export class WaiterQueue {
  readonly #i32: Int32Array;
  readonly #slots: number;

  constructor(i32: Int32Array, slots: number) {
    this.#i32 = i32;
    this.#slots = slots;
  }

  /**
   * Takes a ticket and marks its slot waiting (lock held). Throws a
   * `RangeError` when every slot is taken.
   */
  enqueue(): number {
    this.#advanceHead();
    const i32 = this.#i32;
    const ticket = Atomics.load(i32, TAIL);
    const queued = (ticket - Atomics.load(i32, HEAD)) & TICKETS;
    if (queued >= this.#slots) {
      throw new RangeError(
        `Cannot wait on Condition as ${queued} agents wait already: raise maxWaiters (received ${this.#slots})`,
      );
    }
    Atomics.store(i32, this.#slot(ticket), (ticket << 2) | WAITING);
    Atomics.store(i32, TAIL, (ticket + 1) & TICKETS);
    return ticket;
  }

  /** Wakes at most `n` waiters, oldest first (lock held); returns how many. */
  notify(n: number): number {
    const i32 = this.#i32;
    const tail = Atomics.load(i32, TAIL);
    let woken = 0;
    for (
      let ticket = Atomics.load(i32, HEAD);
      ticket !== tail && woken < n;
      ticket = (ticket + 1) & TICKETS
    ) {
      const index = this.#slot(ticket);
      const waiting = (ticket << 2) | WAITING;
      const notified = (ticket << 2) | NOTIFIED;
      if (Atomics.compareExchange(i32, index, waiting, notified) === waiting) {
        Atomics.notify(i32, index);
        woken++;
      }
    }
    this.#advanceHead();
    return woken;
  }

  /**
   * Sleeps on the ticket's slot until notified; on a timeout or an abort,
   * cancels the slot unless a notify got there first.
   */
  *waiting(
    ticket: number,
    timeout: number,
  ): Waiting<"notified" | "timed-out" | "aborted"> {
    const i32 = this.#i32;
    const index = this.#slot(ticket);
    const waiting = (ticket << 2) | WAITING;
    const deadline = new Deadline(timeout);
    if (spinWhile(i32, index, waiting)) return "notified";
    for (;;) {
      if (Atomics.load(i32, index) !== waiting) return "notified";
      const remaining = deadline.remaining();
      const result: string = remaining === 0
        ? "timed-out"
        : yield { i32, index, value: waiting, timeout: remaining };
      if (result === "timed-out" || result === "aborted") {
        const cancelled = (ticket << 2) | CANCELLED;
        const seen = Atomics.compareExchange(i32, index, waiting, cancelled);
        return seen === waiting ? result : "notified";
      }
    }
  }

  #slot(ticket: number): number {
    return HEADER_WORDS + (ticket & (this.#slots - 1));
  }

  /** Moves `head` past slots that no longer wait (lock held). */
  #advanceHead(): void {
    const i32 = this.#i32;
    const tail = Atomics.load(i32, TAIL);
    let head = Atomics.load(i32, HEAD);
    while (head !== tail) {
      const word = Atomics.load(i32, this.#slot(head));
      if (word === ((head << 2) | WAITING)) break;
      head = (head + 1) & TICKETS;
    }
    Atomics.store(i32, HEAD, head);
  }
}
