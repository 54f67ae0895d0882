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
  OPEN_STREAM,
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

/** Copies `n` bytes from `source` into `target` at `at` (short ones by hand). */
function copy(target: Uint8Array, at: number, source: Uint8Array, n: number) {
  if (n <= 64) {
    for (let i = 0; i < n; i++) target[at + i] = source[i]!;
  } else {
    target.set(n === source.length ? source : source.subarray(0, n), at);
  }
}

/** Puts one message (its bytes, and a tag) into a ring. */
export class Writer implements Op {
  waitValue = 0;
  readonly cancellable = true;
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

  /** Keeps the message bytes past the caller's scratch buffer. */
  own(): void {
    this.#bytes = this.#bytes.slice(0, this.#length);
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
      const owner = this.#lock();
      if (owner !== DONE) {
        this.waitValue = owner;
        return WLOCK;
      }
      this.#stage = 2;
    }
    if (this.#stage === 2) {
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

  /** Takes WLOCK: DONE, or the owner to wait for. Notes a stream to abort. */
  #lock(): number {
    const h = this.#ring.h;
    const me = agentId();
    const owner = Atomics.compareExchange(h, WLOCK, 0, me);
    if (owner === 0) return DONE;
    if (owner === OPEN_STREAM) {
      if (Atomics.compareExchange(h, WLOCK, OPEN_STREAM, me) !== OPEN_STREAM) {
        return this.#lock();
      }
      this.#abort = true;
      return DONE;
    }
    if (
      owner !== me && isAgentDead(owner) &&
      Atomics.compareExchange(h, WLOCK, owner, me) === owner
    ) {
      this.#abort = Atomics.load(h, WSTATE) !== 0;
      return DONE;
    }
    return owner;
  }

  /** Waits for space, unless the reading side has closed. */
  #waitHead(): number {
    const h = this.#ring.h;
    this.waitValue = Atomics.load(h, HEAD);
    if (Atomics.load(h, CLOSED) & READ_CLOSED) {
      this.cancel();
      throw new RingClosedError(READ_CLOSED);
    }
    return HEAD;
  }

  #writeWhole(): boolean {
    const ring = this.#ring, n = this.#length;
    const size = 8 + align8(n);
    const p = ring.room(size);
    if (p < 0) return false;
    ring.header(p, n, FULL, this.#tag);
    copy(ring.data, p + 8, this.#bytes, n);
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
      ring.header(p, extra + k, first ? FIRST : last ? LAST : MORE, this.#tag);
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
      // Before FIRST the slot was never filled; after it, the stream stays
      // open (WSTATE 1) and the next writer ends it with ABORT.
      if (this.#sent < 0) {
        ring.unreserve();
        ring.unlock(WLOCK, this.#abort ? OPEN_STREAM : 0);
      } else ring.unlock(WLOCK, OPEN_STREAM);
    }
    this.#stage = 3;
  }
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
    Atomics.sub(this.#ring.h, COUNT, 1);
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
