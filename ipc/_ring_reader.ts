/**
 * `Reader`: takes one message from a ring (`_ring.ts` has the layout,
 * `_ring_ops.ts` the operation protocol). It takes `RLOCK`, skips padding,
 * `ABORT` records and the leftovers of a reader that died mid-stream, then
 * decodes a `FULL` record in place, or gathers a stream's chunks and decodes
 * the whole. With nothing to read it lets go of the lock and waits on
 * `TAIL` unlocked.
 *
 * @module
 */
import { agentId, isAgentDead } from "../sync/_agent.ts";
import {
  ABORT,
  align8,
  CLOSED,
  DONE,
  FIRST,
  FULL,
  HEAD,
  LAST,
  MORE,
  OPEN_STREAM,
  PAD,
  READ_CLOSED,
  type Ring,
  RingClosedError,
  RLOCK,
  TAIL,
  TAKEN,
  WLOCK,
  WRITE_CLOSED,
  WSTATE,
} from "./_ring.ts";
import type { Decode, Op } from "./_ring_ops.ts";

/** Takes one message from a ring. */
export class Reader implements Op {
  waitValue = 0;
  /** The message: its decoded value, or a copy of its bytes. */
  value: unknown;
  /** The tag of the message. */
  tag = 0;
  #ring: Ring;
  #decode: Decode;
  #locked = false;
  #stream: Uint8Array | undefined;
  #filled = 0;
  #try: boolean;

  /**
   * Prepares to read one message; `decode` turns its bytes into the value
   * (it may read `buf` in place only while called). With `tryOnly`, a
   * stream this thread is itself writing is left alone.
   */
  constructor(
    ring: Ring,
    decode: Decode,
    tryOnly = false,
  ) {
    this.#ring = ring;
    this.#decode = decode;
    this.#try = tryOnly;
  }

  /** False while in the middle of a stream: it must be read to its end. */
  get cancellable(): boolean {
    return this.#stream === undefined;
  }

  /** Whether the read holds the lock and waits for a stream's next chunk. */
  get streaming(): boolean {
    return this.#stream !== undefined;
  }

  step(): number {
    const ring = this.#ring;
    for (;;) {
      if (!this.#locked) {
        const owner = ring.lock(RLOCK);
        if (owner !== DONE) {
          // Another reader: wait for it, or for data if there is none.
          if (ring.readable) {
            this.waitValue = owner;
            return RLOCK;
          }
          const r = this.#empty();
          if (r === DONE) continue;
          return r;
        }
        this.#locked = true;
      }
      let r: number;
      try {
        r = this.#read();
      } catch (error) {
        this.#stream = undefined;
        this.cancel();
        throw error;
      }
      if (r === DONE) {
        this.#locked = false;
        ring.unlock(RLOCK);
        return DONE;
      }
      if (this.#stream !== undefined) return r;
      // Nothing left at a message boundary: let go and wait unlocked.
      this.#locked = false;
      ring.unlock(RLOCK);
      if (this.#try) return TAIL;
      r = this.#empty();
      if (r !== DONE) return r;
    }
  }

  /**
   * With no lock held and nothing seen to read: throws at the end of a
   * closed ring, returns TAIL to wait on, or DONE to try again.
   */
  #empty(): number {
    const h = this.#ring.h;
    const tail = Atomics.load(h, TAIL);
    if (tail !== Atomics.load(h, HEAD)) return DONE;
    const closed = Atomics.load(h, CLOSED);
    if (closed !== 0 && Atomics.load(h, TAIL) === tail) {
      throw new RingClosedError(
        closed & READ_CLOSED ? READ_CLOSED : WRITE_CLOSED,
      );
    }
    this.waitValue = tail;
    return TAIL;
  }

  /** Reads records while holding RLOCK; DONE, or the word to wait on. */
  #read(): number {
    const ring = this.#ring, h = ring.h, words = ring.words;
    let head = Atomics.load(h, HEAD);
    for (;;) {
      if (ring.available(head) === 0) {
        if (this.#stream !== undefined && this.#abandoned()) {
          this.#discard();
          continue;
        }
        this.waitValue = head; // TAIL equals HEAD while nothing is there
        return TAIL;
      }
      const p = head & ring.mask;
      const length = words[p >> 2]!;
      const info = words[(p >> 2) + 1]!;
      const type = info & 0xff;
      const size = 8 + align8(length);
      if (type === PAD) {
        ring.consume(head += ring.capacity - p);
        continue;
      }
      if (type === ABORT) {
        ring.consume(head += 8);
        if (this.#stream !== undefined) this.#discard();
        continue;
      }
      if (this.#stream === undefined) {
        if (type === MORE || type === LAST) {
          ring.consume(head += size); // leftovers of a reader that died
          continue;
        }
      } else if (type === FULL || type === FIRST) {
        this.#discard(); // the stream's writer gave up without ABORT
      }
      this.tag = (info >>> 8) & 0xff;
      if (type === FULL) {
        const start = p + 8;
        try {
          this.value = this.#decode(ring.data, start, start + length, this.tag);
        } finally {
          ring.consume(head + size);
          this.#taken();
        }
        return DONE;
      }
      if (type === FIRST) {
        if (this.#try && Atomics.load(h, WLOCK) === agentId()) {
          this.waitValue = head; // this thread writes it: cannot wait here
          return TAIL;
        }
        this.#stream = new Uint8Array(words[(p >> 2) + 2]!);
        this.#filled = 0;
        this.#copy(p + 16, length - 8);
        ring.consume(head += size);
        this.#taken();
        continue;
      }
      // MORE or LAST of the stream being read.
      this.#copy(p + 8, length);
      ring.consume(head += size);
      if (type === LAST) {
        const bytes = this.#stream!;
        this.#stream = undefined;
        if (this.#filled !== bytes.length) {
          throw new TypeError(
            `Cannot read message as its chunks do not add up: ${this.#filled} of ${bytes.length} bytes`,
          );
        }
        this.value = this.#decode(bytes, 0, bytes.length, this.tag);
        return DONE;
      }
    }
  }

  #copy(start: number, n: number): void {
    const stream = this.#stream!;
    if (n < 0 || this.#filled + n > stream.length) {
      this.#stream = undefined;
      throw new TypeError(
        `Cannot read message as a chunk overruns its length: ${
          this.#filled + n
        } of ${stream.length} bytes`,
      );
    }
    stream.set(this.#ring.data.subarray(start, start + n), this.#filled);
    this.#filled += n;
  }

  /** A message was taken out of the count. */
  #taken(): void {
    Atomics.add(this.#ring.h, TAKEN, 1);
    this.#ring.wake(TAKEN);
  }

  /** Drops a partly read stream (its writer gave up or died). */
  #discard(): void {
    this.#stream = undefined;
    if (this.#ring.joinable) this.#ring.taskDone();
  }

  /** Whether the stream being read has no live writer any more. */
  #abandoned(): boolean {
    const h = this.#ring.h;
    const owner = Atomics.load(h, WLOCK);
    if (owner === OPEN_STREAM) return true;
    if (Atomics.load(h, WSTATE) === 0) return false;
    return owner === 0 || (owner !== agentId() && isAgentDead(owner));
  }

  cancel(): void {
    if (this.#locked) {
      this.#locked = false;
      this.#ring.unlock(RLOCK);
    }
  }
}
