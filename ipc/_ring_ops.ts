/**
 * The operations on a ring (`_ring.ts` has the memory layout): `Writer`
 * (`_ring_writer.ts`) puts one message, `Reader` (`_ring_reader.ts`) takes
 * one, a watch waits on a header word until a condition holds (no
 * unfinished item: `joinOp`; a message or the end: `pollOp`). Each is a state
 * machine whose `step()` makes all the progress it can without waiting and
 * returns `DONE` or the header word to wait on (with `waitValue`, the value that
 * means "nothing changed yet"); `_ring_wait.ts` drives it, blocking or
 * async. Giving up (`cancel()`, after a timeout or an abort) leaves the ring
 * consistent: an unwritten message returns its slot, a stream cut short is
 * ended with `ABORT` by the next writer.
 *
 * @module
 */
import { DONE, type Ring, TAIL, UNFINISHED } from "./_ring.ts";

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

/**
 * Waits on header word `word` until `ready()`: it reads the word, then
 * checks again, so a change in between is never slept through. Nothing to
 * undo when it gives up.
 */
class WatchOp implements Op {
  waitValue = 0;
  readonly cancellable = true;
  readonly #h: Int32Array;
  readonly #word: number;
  readonly #ready: () => boolean;

  constructor(ring: Ring, word: number, ready: () => boolean) {
    this.#h = ring.h;
    this.#word = word;
    this.#ready = ready;
  }

  step(): number {
    if (this.#ready()) return DONE;
    this.waitValue = Atomics.load(this.#h, this.#word);
    return this.#ready() ? DONE : this.#word;
  }

  cancel(): void {}
}

/** Waits until no item is unfinished (`JoinableQueue.join`). */
export function joinOp(ring: Ring): Op {
  return new WatchOp(ring, UNFINISHED, () => ring.unfinished <= 0);
}

/** Waits until the input has a message or its writer closed (`poll`). */
export function pollOp(ring: Ring): Op {
  return new WatchOp(ring, TAIL, () => ring.readable || ring.closed !== 0);
}
