/**
 * `Writer`: puts one message into a ring (`_ring.ts` has the layout,
 * `_ring_ops.ts` the operation protocol). It reserves a slot in `COUNT`
 * (bounded by `MAXSIZE` items more than `TAKEN`), takes `WLOCK`, ends a stream a previous writer
 * left open with `ABORT`, then writes one `FULL` record, or a stream of
 * chunks for a message larger than half the ring. Hot path: a handful of
 * atomic operations and one copy.
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
  READ_CLOSED,
  type Ring,
  RingClosedError,
  TAKEN,
  UNFINISHED,
  WLOCK,
  WRITE_CLOSED,
  WSTATE,
} from "./_ring.ts";
import type { Op } from "./_ring_ops.ts";

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
        // TAKEN only grows, so reading it after COUNT can only overstate
        // the number held: never admits more than maxsize.
        const n = Atomics.load(h, COUNT);
        const taken = Atomics.load(h, TAKEN);
        if (((n - taken) | 0) >= ring.maxsize) {
          this.waitValue = taken;
          return TAKEN;
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
