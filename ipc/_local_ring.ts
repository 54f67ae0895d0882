/**
 * A Manager client's fast lane to a server in the same OS process: two
 * single-producer single-consumer byte rings over one `SharedArrayBuffer`
 * (client → server, server → client), carrying the same frames as the
 * socket (tag + payload).
 *
 * Layout (`Int32Array` words, then bytes):
 *
 * | word | meaning                                                     |
 * | ---: | ----------------------------------------------------------- |
 * |    0 | state: 0 asked, 1 attached, -1 refused, 2 closed            |
 * |  4,5 | ring A (client → server): head, tail (byte counters, u32)   |
 * |  8,9 | ring B (server → client): head, tail                        |
 * | 64 B | ring A data (`capacity` bytes), then ring B data            |
 *
 * A frame in a ring is an 8-byte header (u32 payload length, u32 tag)
 * then the payload, wrapping around the end. Counters only grow (mod
 * 2^32); a producer advances `head` after copying, a consumer `tail`,
 * each with `Atomics.store` + `Atomics.notify`. A frame larger than the
 * ring streams through it: the writer copies what fits and waits for the
 * reader to make room.
 *
 * Waiting: a reader spins for a short budget (`spin`) before parking in
 * `Atomics.waitAsync`; the server spins after each answer and the client
 * right after each request, so a round trip between two busy threads
 * costs a few microseconds instead of two thread wake-ups. `tryRecv()`
 * takes a frame only when it is whole, so the spin and the read loop
 * share the ring safely on one thread.
 *
 * @module
 */
import type { Frame } from "./_wire.ts";

const HEADER = 8;
const DATA_OFFSET = 64;
const STATE = 0;

/** Default bytes per direction. */
export const LOCAL_RING_CAPACITY = 1 << 18;

/** Words of the state machine (word 0). */
export const LocalState = {
  asked: 0,
  attached: 1,
  refused: -1,
  closed: 2,
} as const;

class ByteRing {
  readonly #i32: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #head: number;
  readonly #tail: number;
  readonly capacity: number;

  constructor(i32: Int32Array, word: number, bytes: Uint8Array) {
    this.#i32 = i32;
    this.#head = word;
    this.#tail = word + 1;
    this.#bytes = bytes;
    this.capacity = bytes.byteLength;
  }

  get head(): number {
    return Atomics.load(this.#i32, this.#head);
  }

  available(): number {
    return (this.head - Atomics.load(this.#i32, this.#tail)) >>> 0;
  }

  space(): number {
    return this.capacity - this.available();
  }

  /** Copies `src` in (the caller checked the space) and publishes it. */
  put(src: Uint8Array): void {
    const head = Atomics.load(this.#i32, this.#head) >>> 0;
    const at = head % this.capacity;
    const first = Math.min(src.byteLength, this.capacity - at);
    this.#bytes.set(src.subarray(0, first), at);
    if (first < src.byteLength) this.#bytes.set(src.subarray(first), 0);
    Atomics.store(this.#i32, this.#head, (head + src.byteLength) | 0);
    Atomics.notify(this.#i32, this.#head);
  }

  /** Copies `dst.byteLength` bytes out (the caller checked) and frees them. */
  take(dst: Uint8Array): void {
    this.peek(dst, 0);
    const tail = Atomics.load(this.#i32, this.#tail) >>> 0;
    Atomics.store(this.#i32, this.#tail, (tail + dst.byteLength) | 0);
    Atomics.notify(this.#i32, this.#tail);
  }

  /** Copies bytes from `skip` bytes past the tail, without freeing them. */
  peek(dst: Uint8Array, skip: number): void {
    const tail = Atomics.load(this.#i32, this.#tail) >>> 0;
    const at = (tail + skip) % this.capacity;
    const first = Math.min(dst.byteLength, this.capacity - at);
    dst.set(this.#bytes.subarray(at, at + first));
    if (first < dst.byteLength) {
      dst.set(this.#bytes.subarray(0, dst.byteLength - first), first);
    }
  }

  /** Resolves once `head` (or `tail`) moves from `seen`, or on timeout. */
  waitFor(which: "head" | "tail", seen: number, ms?: number): Promise<void> {
    const index = which === "head" ? this.#head : this.#tail;
    const result = Atomics.waitAsync(this.#i32, index, seen, ms);
    return result.async ? result.value.then(() => {}) : Promise.resolve();
  }

  get tail(): number {
    return Atomics.load(this.#i32, this.#tail);
  }
}

/**
 * How long to spin before sleeping, learnt from experience: a spin that
 * catches its frame makes the next one longer, a spin that misses halves
 * it (down to zero, when the other thread shares our CPU or is slow), and
 * at zero every 8th wait probes with half the longest spin, so that two
 * sides that both stopped spinning find each other again.
 */
export class SpinBudget {
  #micros: number;
  #probe = 0;
  readonly max: number;

  constructor(max: number) {
    this.max = max;
    this.#micros = max / 2;
  }

  /** Microseconds to spin next time (0: do not spin). */
  next(): number {
    if (this.#micros >= 1) return this.#micros;
    return ++this.#probe % 8 === 0 ? this.max / 2 : 0;
  }

  /** The spin caught its frame. */
  hit(): void {
    this.#micros = Math.min(
      this.max,
      Math.max(this.#micros * 1.5, this.max / 2),
    );
  }

  /** The spin ran out. */
  miss(): void {
    this.#micros = this.#micros < 2 ? 0 : this.#micros / 2;
  }
}

/** Allocates the shared memory of one lane. */
export function createLaneBuffer(
  capacity = LOCAL_RING_CAPACITY,
): SharedArrayBuffer {
  return new SharedArrayBuffer(DATA_OFFSET + 2 * capacity);
}

/** One end of a lane; see the module note. */
export class LocalTransport {
  readonly #i32: Int32Array;
  readonly #out: ByteRing;
  readonly #in: ByteRing;
  readonly #header = new Uint8Array(HEADER);
  #writing: Promise<void> = Promise.resolve();
  #pendingWrites = 0;
  #streaming = false;
  #closed = false;
  readonly sharesMemory = false;
  readonly readable = true;
  readonly writable = true;

  /** Opens the `side` end of the lane over `buffer`. */
  constructor(buffer: SharedArrayBuffer, side: "client" | "server") {
    this.#i32 = new Int32Array(buffer, 0, DATA_OFFSET / 4);
    const capacity = (buffer.byteLength - DATA_OFFSET) / 2;
    const a = new ByteRing(
      this.#i32,
      4,
      new Uint8Array(buffer, DATA_OFFSET, capacity),
    );
    const b = new ByteRing(
      this.#i32,
      8,
      new Uint8Array(buffer, DATA_OFFSET + capacity, capacity),
    );
    [this.#out, this.#in] = side === "client" ? [a, b] : [b, a];
  }

  /** The state word (see `LocalState`). */
  get state(): number {
    return Atomics.load(this.#i32, STATE);
  }

  /** Sets the state word and wakes every waiter. */
  setState(state: number): void {
    Atomics.store(this.#i32, STATE, state);
    Atomics.notify(this.#i32, STATE);
    Atomics.notify(this.#i32, 4);
    Atomics.notify(this.#i32, 5);
    Atomics.notify(this.#i32, 8);
    Atomics.notify(this.#i32, 9);
  }

  /** Waits up to `ms` for the state to leave `seen`; returns the state. */
  async waitState(seen: number, ms: number): Promise<number> {
    const result = Atomics.waitAsync(this.#i32, STATE, seen, ms);
    if (result.async) await result.value;
    return this.state;
  }

  /** Whether this end or the other closed the lane. */
  get closed(): boolean {
    return this.#closed || this.state === LocalState.closed;
  }

  /** Writes one frame; synchronous when it fits and nothing is queued. */
  send(tag: number, payload: Uint8Array): Promise<void> {
    if (this.closed) {
      return Promise.reject(new TypeError("Cannot send on a closed lane"));
    }
    const size = HEADER + payload.byteLength;
    if (this.#pendingWrites === 0 && this.#out.space() >= size) {
      this.#putFrame(tag, payload);
      return Promise.resolve();
    }
    const copy = payload.slice();
    this.#pendingWrites++;
    const write = this.#writing.then(() => this.#stream(tag, copy))
      .finally(() => this.#pendingWrites--);
    this.#writing = write.catch(() => {});
    return write;
  }

  #putFrame(tag: number, payload: Uint8Array): void {
    const header = new Uint8Array(HEADER);
    new DataView(header.buffer).setUint32(0, payload.byteLength, true);
    new DataView(header.buffer).setUint32(4, tag, true);
    if (payload.byteLength < 4096) {
      const frame = new Uint8Array(HEADER + payload.byteLength);
      frame.set(header);
      frame.set(payload, HEADER);
      this.#out.put(frame);
    } else {
      this.#out.put(header);
      this.#out.put(payload);
    }
  }

  async #stream(tag: number, payload: Uint8Array): Promise<void> {
    const header = new Uint8Array(HEADER);
    new DataView(header.buffer).setUint32(0, payload.byteLength, true);
    new DataView(header.buffer).setUint32(4, tag, true);
    for (const part of [header, payload]) {
      let done = 0;
      while (done < part.byteLength) {
        if (this.closed) throw new TypeError("Cannot send on a closed lane");
        const seen = this.#out.tail;
        const room = this.#out.space();
        if (room === 0) {
          await this.#out.waitFor("tail", seen, 1000);
          continue;
        }
        const n = Math.min(room, part.byteLength - done);
        this.#out.put(part.subarray(done, done + n));
        done += n;
      }
    }
  }

  /** Takes the next frame if it is whole in the ring, without waiting. */
  tryRecv(): Frame | undefined {
    if (this.#streaming) return undefined;
    const available = this.#in.available();
    if (available < HEADER) return undefined;
    this.#in.peek(this.#header, 0);
    const view = new DataView(this.#header.buffer);
    const length = view.getUint32(0, true);
    if (available < HEADER + length) return undefined;
    const tag = view.getUint32(4, true);
    const frame = new Uint8Array(HEADER + length);
    this.#in.take(frame);
    return { tag, payload: frame.subarray(HEADER) };
  }

  /**
   * Spins up to `micros` microseconds for a whole frame; returns it, or
   * `undefined` when none came.
   */
  spinRecv(micros: number): Frame | undefined {
    const end = performance.now() + micros / 1000;
    do {
      const frame = this.tryRecv();
      if (frame !== undefined) return frame;
      if (this.closed) return undefined;
      Atomics.pause?.();
    } while (performance.now() < end);
    return undefined;
  }

  /**
   * Receives the next frame (spinning `spin` microseconds first), or
   * `null` once the lane is closed and drained.
   */
  async recv(options: { spin?: number } = {}): Promise<Frame | null> {
    let spin = options.spin ?? 0;
    while (true) {
      // Read the counter before looking, so a frame that lands after the
      // look still wakes the wait below.
      const seen = this.#in.head;
      const frame = spin > 0 ? this.spinRecv(spin) : this.tryRecv();
      spin = 0;
      if (frame !== undefined) return frame;
      if (this.#in.available() >= HEADER && !this.#streaming) {
        this.#in.peek(this.#header, 0);
        const length = new DataView(this.#header.buffer).getUint32(0, true);
        if (HEADER + length > this.#in.capacity) return await this.#drain();
      }
      if (this.closed && this.#in.available() === 0) return null;
      await this.#in.waitFor("head", seen, 1000);
    }
  }

  async #drain(): Promise<Frame | null> {
    this.#streaming = true;
    try {
      const header = new Uint8Array(HEADER);
      this.#in.take(header);
      const view = new DataView(header.buffer);
      const payload = new Uint8Array(view.getUint32(0, true));
      let done = 0;
      while (done < payload.byteLength) {
        const seen = this.#in.head;
        const n = Math.min(this.#in.available(), payload.byteLength - done);
        if (n === 0) {
          if (this.closed) return null;
          await this.#in.waitFor("head", seen, 1000);
          continue;
        }
        this.#in.take(payload.subarray(done, done + n));
        done += n;
      }
      return { tag: view.getUint32(4, true), payload };
    } finally {
      this.#streaming = false;
    }
  }

  /** Closes the lane for both ends; pending reads end. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.setState(LocalState.closed);
  }

  /** Lanes hold no OS resource: nothing to ref. */
  ref(): void {}

  /** Lanes hold no OS resource: nothing to unref. */
  unref(): void {}
}
