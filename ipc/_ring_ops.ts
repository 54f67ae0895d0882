/**
 * The operations on a ring (`_ring.ts` has the memory layout): `Writer`
 * (`_ring_writer.ts`) puts one message, `Reader` (`_ring_reader.ts`) takes
 * one, `JoinOp` waits for `UNFINISHED` to reach zero. Each is a state
 * machine whose `step()` makes all the progress it can without waiting and
 * returns `DONE` or the header word to wait on (with `waitValue`, the value that
 * means "nothing changed yet"); `_ring_wait.ts` drives it, blocking or
 * async. Giving up (`cancel()`, after a timeout or an abort) leaves the ring
 * consistent: an unwritten message returns its slot, a stream cut short is
 * ended with `ABORT` by the next writer.
 *
 * @module
 */
import { DONE, type Ring, UNFINISHED } from "./_ring.ts";

/** An operation that `runSync` / `runAsync` can drive. */
export interface Op {
  /** Makes progress; returns `DONE` or the word to wait on. */
  step(): number;
  /** The value of the word that means "still waiting". */
  waitValue: number;
  /** Whether giving up now leaves the ring consistent. */
  readonly cancellable: boolean;
  /** Gives up (after a timeout or an abort); undoes what it can. */
  cancel(): void;
}

/**
 * Turns a message's bytes `buf[start … end)` into what `Reader` hands back;
 * it may read `buf` in place only while called.
 */
export type Decode = (
  buf: Uint8Array,
  start: number,
  end: number,
  tag: number,
) => unknown;

/** Waits until no item is unfinished (`JoinableQueue.join`). */
export class JoinOp implements Op {
  waitValue = 0;
  readonly cancellable = true;
  #ring: Ring;
  constructor(ring: Ring) {
    this.#ring = ring;
  }
  step(): number {
    const n = this.#ring.unfinished;
    if (n <= 0) return DONE;
    this.waitValue = n;
    return UNFINISHED;
  }
  cancel(): void {}
}
