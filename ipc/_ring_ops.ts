/**
 * The operations on a ring (`_ring.ts` has the memory layout): `Writer`
 * puts one message, `Reader` takes one. Each is a state machine whose
 * `step()` makes all the progress it can without waiting and returns
 * `DONE` or the header word to wait on (with `waitValue`, the value that
 * means "nothing changed yet"); `_ring_wait.ts` drives it, blocking or
 * async. Giving up (`cancel()`, after a timeout or an abort) leaves the ring
 * consistent: an unwritten message returns its slot, a stream cut short is
 * ended with `ABORT` by the next writer.
 *
 * @module
 */
import { agentId, isAgentDead } from "../sync/_agent.ts";
import {
  ABORT,
  align8,
  CLOSED,
  COUNT,
  DONE,
  FIRST,
  FULL,
  HEAD,
  LAST,
  MAX_MESSAGE,
  MORE,
  PAD,
  READ_CLOSED,
  type Ring,
  RingClosedError,
  RLOCK,
  TAIL,
  UNFINISHED,
  WLOCK,
  WRITE_CLOSED,
  WSTATE,
} from "./_ring.ts";

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

/** Puts one message (its bytes, and a tag) into a ring. */
export class Writer implements Op {
  waitValue = 0;
  #ring: Ring;
  #bytes: Uint8Array;
  #length: number;
  #tag: number;
  #stage = 0; // 0 reserve, 1 lock, 2 write, 3 done
  #abort = false;
  #sent = -1; // bytes of a stream written; -1 before FIRST

  /** Prepares to write `bytes[0 … length)` with `tag`. */
  constructor(ring: Ring, bytes: Uint8Array, length: number, tag = 0) {
    if (length > MAX_MESSAGE) {
      throw new RangeError(
        `Cannot send message as it is larger than 2 GiB: received ${length} bytes`,
      );
    }
    this.#ring = ring;
    this.#bytes = bytes;
    this.#length = length;
    this.#tag = tag;
  }

  /** Whether the message goes as one record. */
  get whole(): boolean {
    return align8(this.#length) + 8 <= this.#ring.capacity / 2;
  }

  /** Whether the write has started holding the lock (before its bytes). */
  get locked(): boolean {
    return this.#stage === 2;
  }

  /** Whether the write has not begun. */
  get pending(): boolean {
    return this.#stage === 0;
  }

  /** Keeps the message bytes past the caller's scratch buffer. */
  own(): void {
    this.#bytes = this.#bytes.slice(0, this.#length);
  }

  get cancellable(): boolean {
    return true;
  }

  step(): number {
    const ring = this.#ring, h = ring.h;
    if (this.#stage === 0) {
      const closed = Atomics.load(h, CLOSED);
      if (closed !== 0) {
        throw new RingClosedError(
          closed & WRITE_CLOSED ? WRITE_CLOSED : READ_CLOSED,
        );
      }
      if (ring.maxsize > 0) {
        const n = Atomics.load(h, COUNT);
        if (n >= ring.maxsize) {
          this.waitValue = n;
          return COUNT;
        }
        if (Atomics.compareExchange(h, COUNT, n, n + 1) !== n) {
          return this.step();
        }
      } else Atomics.add(h, COUNT, 1);
      if (ring.joinable) Atomics.add(h, UNFINISHED, 1);
      this.#stage = 1;
    }
    if (this.#stage === 1) {
      const owner = ring.lock(WLOCK);
      if (owner !== DONE) {
        this.waitValue = owner;
        return WLOCK;
      }
      this.#abort = Atomics.load(h, WSTATE) !== 0;
      this.#stage = 2;
    }
    if (this.#stage === 2) {
      if (Atomics.load(h, CLOSED) & READ_CLOSED) {
        this.cancel();
        throw new RingClosedError(READ_CLOSED);
      }
      if (this.#abort) {
        const p = ring.room(8);
        if (p < 0) return this.#waitHead();
        ring.header(p, 0, ABORT, 0);
        ring.publish(ring.skip + 8);
        Atomics.store(h, WSTATE, 0);
        this.#abort = false;
      }
      const done = this.whole ? this.#writeWhole() : this.#writeStream();
      if (!done) return this.#waitHead();
      this.#stage = 3;
      ring.unlock(WLOCK);
    }
    return DONE;
  }

  #waitHead(): number {
    this.waitValue = Atomics.load(this.#ring.h, HEAD);
    return HEAD;
  }

  #writeWhole(): boolean {
    const ring = this.#ring, n = this.#length;
    const size = 8 + align8(n);
    const p = ring.room(size);
    if (p < 0) return false;
    ring.header(p, n, FULL, this.#tag);
    ring.data.set(
      n === this.#bytes.length ? this.#bytes : this.#bytes.subarray(0, n),
      p + 8,
    );
    ring.publish(ring.skip + size);
    return true;
  }

  /** Writes as many chunks as fit; true once `LAST` is written. */
  #writeStream(): boolean {
    const ring = this.#ring, n = this.#length;
    const chunkMax = ring.capacity / 4 - 16;
    for (;;) {
      const first = this.#sent < 0;
      const sent = first ? 0 : this.#sent;
      const k = Math.min(n - sent, chunkMax);
      const extra = first ? 8 : 0;
      const size = 8 + extra + align8(k);
      const p = ring.room(size);
      if (p < 0) return false;
      const last = sent + k === n;
      const type = first ? FIRST : last ? LAST : MORE;
      ring.header(p, extra + k, type, this.#tag);
      if (first) {
        ring.words[(p >> 2) + 2] = n;
        Atomics.store(ring.h, WSTATE, 1);
      }
      ring.data.set(this.#bytes.subarray(sent, sent + k), p + 8 + extra);
      this.#sent = sent + k;
      if (last) Atomics.store(ring.h, WSTATE, 0);
      ring.publish(ring.skip + size);
      if (last) return true;
    }
  }

  cancel(): void {
    const ring = this.#ring;
    if (this.#stage === 1) ring.unreserve();
    else if (this.#stage === 2) {
      // Before FIRST: the slot was never filled. After it, WSTATE stays 1
      // and the next writer ends the stream with ABORT.
      if (this.#sent < 0) ring.unreserve();
      ring.unlock(WLOCK);
    }
    this.#stage = 3;
  }
}

/** What a `Reader` hands back. */
export type ReadMode = "value" | "frame";

/** Takes one message from a ring. */
export class Reader implements Op {
  waitValue = 0;
  /** The message: its decoded value, or a copy of its bytes. */
  value: unknown;
  /** The tag of the message. */
  tag = 0;
  #ring: Ring;
  #decode: (buf: Uint8Array, start: number, end: number) => unknown;
  #stage = 0; // 0 wait for data, 1 lock, 2 read, 3 done
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
    decode: (buf: Uint8Array, start: number, end: number) => unknown,
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
    const ring = this.#ring, h = ring.h;
    for (;;) {
      if (this.#stage === 0) {
        const tail = Atomics.load(h, TAIL);
        if (tail === Atomics.load(h, HEAD)) {
          const closed = Atomics.load(h, CLOSED);
          if (closed !== 0) {
            throw new RingClosedError(
              closed & READ_CLOSED ? READ_CLOSED : WRITE_CLOSED,
            );
          }
          this.waitValue = tail;
          return TAIL;
        }
        this.#stage = 1;
      }
      if (this.#stage === 1) {
        const owner = ring.lock(RLOCK);
        if (owner !== DONE) {
          this.#stage = 0;
          this.waitValue = owner;
          return RLOCK;
        }
        this.#stage = 2;
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
        this.#stage = 3;
        ring.unlock(RLOCK);
        return DONE;
      }
      if (r !== TAIL || this.#stream !== undefined) return r;
      // Nothing left at a message boundary: let go and wait unlocked.
      ring.unlock(RLOCK);
      this.#stage = 0;
      if (this.#try) return TAIL;
    }
  }

  /** Reads records while holding RLOCK; DONE, or the word to wait on. */
  #read(): number {
    const ring = this.#ring, h = ring.h, words = ring.words;
    for (;;) {
      const head = Atomics.load(h, HEAD);
      const tail = Atomics.load(h, TAIL);
      if (head === tail) {
        if (this.#stream !== undefined && this.#abandoned()) {
          this.#discard();
          continue;
        }
        this.waitValue = tail;
        return TAIL;
      }
      const p = head & ring.mask;
      const length = words[p >> 2]!;
      const info = words[(p >> 2) + 1]!;
      const type = info & 0xff;
      const size = 8 + align8(length);
      if (type === PAD) {
        ring.consume(ring.capacity - p);
        continue;
      }
      if (type === ABORT) {
        ring.consume(8);
        if (this.#stream !== undefined) this.#discard();
        continue;
      }
      if (this.#stream === undefined) {
        if (type === MORE || type === LAST) {
          ring.consume(size); // leftovers of a consumer that died mid-stream
          continue;
        }
      } else if (type === FULL || type === FIRST) {
        this.#discard(); // the stream's writer gave up without ABORT
      }
      this.tag = (info >>> 8) & 0xff;
      if (type === FULL) {
        const start = p + 8;
        try {
          this.value = this.#decode(ring.data, start, start + length);
        } finally {
          ring.consume(size);
          this.#taken();
        }
        return DONE;
      }
      if (type === FIRST) {
        if (this.#try && Atomics.load(h, WLOCK) === agentId()) {
          this.waitValue = tail; // this thread writes it: cannot wait here
          return TAIL;
        }
        const total = words[(p >> 2) + 2]!;
        this.#stream = new Uint8Array(total);
        this.#filled = 0;
        this.#copy(p + 16, length - 8);
        ring.consume(size);
        this.#taken();
        continue;
      }
      // MORE or LAST of the stream being read.
      this.#copy(p + 8, length);
      ring.consume(size);
      if (type === LAST) {
        const bytes = this.#stream!;
        this.#stream = undefined;
        if (this.#filled !== bytes.length) {
          throw new TypeError(
            `Cannot read message as its chunks do not add up: ${this.#filled} of ${bytes.length} bytes`,
          );
        }
        this.value = this.#decode(bytes, 0, bytes.length);
        return DONE;
      }
    }
  }

  #copy(start: number, n: number): void {
    const stream = this.#stream!;
    if (this.#filled + n > stream.length) {
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
    const h = this.#ring.h;
    Atomics.sub(h, COUNT, 1);
    this.#ring.wake(COUNT);
  }

  /** Drops a partly read stream (its writer gave up or died). */
  #discard(): void {
    this.#stream = undefined;
    if (this.#ring.joinable) this.#ring.taskDone();
  }

  /** Whether the stream being read has no live writer any more. */
  #abandoned(): boolean {
    const h = this.#ring.h;
    if (Atomics.load(h, WSTATE) === 0) return false;
    const owner = Atomics.load(h, WLOCK);
    return owner === 0 || (owner !== agentId() && isAgentDead(owner));
  }

  cancel(): void {
    if (this.#stage === 2) this.#ring.unlock(RLOCK);
    this.#stage = 3;
  }
}

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
