/**
 * A Manager client's fast lane to a server in the same OS process: two
 * single-producer single-consumer byte rings over one `SharedArrayBuffer`
 * (client → server, server → client), carrying the same frames as the
 * socket (tag + payload).
 *
 * Lane layout (`Int32Array` words, then bytes):
 *
 * | word | meaning                                                     |
 * | ---: | ----------------------------------------------------------- |
 * |    0 | state: 0 asked, 1 attached, -1 refused, 2 closed            |
 * |    1 | the client thread's agent id (`sync/_agent.ts`)             |
 * |    2 | nudges: bumped by the server when a call will wait          |
 * |  4,5 | ring A (client → server): head, tail (byte counters, u32)   |
 * |  8,9 | ring B (server → client): head, tail                        |
 * | 64 B | ring A data (`capacity` bytes), then ring B data            |
 *
 * The server's beacon (`_local_beacon.ts`) says whether it is alive; a
 * client rings its bell after each write.
 *
 * Each ring is a `ByteRing` (`_local_byte_ring.ts`) of frames: an 8-byte
 * header (u32 payload length, u32 tag), then the payload. A frame larger
 * than the ring streams through it: the writer copies what fits and waits
 * for the reader to make room.
 *
 * Waiting: `recvSync()` blocks the thread in `Atomics.wait` for a bounded
 * time (the fast path of a round trip, see `_local_budget.ts`), and stops
 * early when the server nudges it (a call that will wait on the server,
 * like `queue.get()`, is not worth blocking for); `recv()` parks in
 * `Atomics.waitAsync`. Every wait is bounded (`POLL_MS`) and
 * looks at the state and the beacon again, so a reader or writer whose
 * other end vanished without closing the lane ends instead of hanging.
 * `tryRecv()` takes a frame only when it is whole, so the blocking and
 * the parked reads share the ring safely on one thread.
 *
 * @module
 */
import type { Frame } from "./_wire.ts";
import { isGone, ringBell } from "./_local_beacon.ts";
import { ByteRing, HEADER } from "./_local_byte_ring.ts";
import type { SpinBudget } from "./_local_budget.ts";

const DATA_OFFSET = 64;
const STATE = 0;
const CLIENT_AGENT = 1;
const NUDGES = 2;
/** Longest single park of a lane reader or writer, in milliseconds. */
export const POLL_MS = 100;

/** Default bytes per direction. */
export const LOCAL_RING_CAPACITY = 1 << 18;

/** Words of the state machine (word 0). */
export const LocalState = {
  asked: 0,
  attached: 1,
  refused: -1,
  closed: 2,
} as const;

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
  readonly #client: boolean;
  #beacon: Int32Array | undefined;
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
    this.#client = side === "client";
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
    [this.#out, this.#in] = this.#client ? [a, b] : [b, a];
  }

  /** Watches the server's beacon: a gone server closes the lane. */
  watch(beacon: Int32Array): void {
    this.#beacon = beacon;
  }

  /** The agent id of the client thread (0: unknown). */
  get clientAgent(): number {
    return Atomics.load(this.#i32, CLIENT_AGENT);
  }

  set clientAgent(id: number) {
    Atomics.store(this.#i32, CLIENT_AGENT, id);
  }

  /** The state word (see `LocalState`). */
  get state(): number {
    return Atomics.load(this.#i32, STATE);
  }

  /** Sets the state word and wakes every waiter. */
  setState(state: number): void {
    Atomics.store(this.#i32, STATE, state);
    Atomics.notify(this.#i32, STATE);
    for (const index of [4, 5, 8, 9]) Atomics.notify(this.#i32, index);
  }

  /** Whether the server behind this lane is gone (see the beacon). */
  get serverGone(): boolean {
    return this.#beacon !== undefined && isGone(this.#beacon);
  }

  /** Whether this end or the other closed the lane, or the server is gone. */
  get closed(): boolean {
    return this.#closed || this.state === LocalState.closed ||
      this.serverGone;
  }

  /**
   * Writes one frame of the first `length` bytes of `payload` if it fits
   * now and nothing is queued before it; whether it did. Nothing of
   * `payload` is kept.
   */
  trySend(
    tag: number,
    payload: Uint8Array,
    length = payload.byteLength,
  ): boolean {
    if (
      this.#pendingWrites > 0 || this.closed ||
      this.#out.space() < HEADER + length
    ) return false;
    this.#out.putFrame(tag, payload, length);
    this.#ring();
    return true;
  }

  /** Writes one frame; synchronous when it fits and nothing is queued. */
  send(tag: number, payload: Uint8Array): Promise<void> {
    if (this.closed) {
      return Promise.reject(new TypeError("Cannot send on a closed lane"));
    }
    if (this.trySend(tag, payload)) return Promise.resolve();
    const copy = payload.slice();
    this.#pendingWrites++;
    const write = this.#writing.then(() => this.#stream(tag, copy))
      .finally(() => this.#pendingWrites--);
    this.#writing = write.catch(() => {});
    return write;
  }

  #headerOf(tag: number, length: number): Uint8Array {
    const header = new Uint8Array(HEADER);
    const view = new DataView(header.buffer);
    view.setUint32(0, length, true);
    view.setUint32(4, tag, true);
    return header;
  }

  /** A client tells the server's beacon it wrote. */
  #ring(): void {
    if (this.#client && this.#beacon !== undefined) ringBell(this.#beacon);
  }

  async #stream(tag: number, payload: Uint8Array): Promise<void> {
    for (const part of [this.#headerOf(tag, payload.byteLength), payload]) {
      let done = 0;
      while (done < part.byteLength) {
        if (this.closed) throw new TypeError("Cannot send on a closed lane");
        const seen = this.#out.tail;
        const room = this.#out.space();
        if (room === 0) {
          await this.#out.park(this.#out.tailIndex, seen, POLL_MS);
          continue;
        }
        const n = Math.min(room, part.byteLength - done);
        this.#out.put(part.subarray(done, done + n));
        this.#ring();
        done += n;
      }
    }
  }

  /** Whether the next frame can only stream (it is larger than the ring). */
  get oversized(): boolean {
    if (this.#streaming || this.#in.available() < HEADER) return false;
    return HEADER + this.#in.u32(0) > this.#in.capacity;
  }

  /** Takes the next frame if it is whole in the ring, without waiting. */
  tryRecv(): Frame | undefined {
    if (this.#streaming) return undefined;
    const available = this.#in.available();
    if (available < HEADER) return undefined;
    const length = this.#in.u32(0);
    if (available < HEADER + length) return undefined;
    const tag = this.#in.u32(4);
    const payload = new Uint8Array(length);
    this.#in.take(payload, HEADER);
    return { tag, payload };
  }

  /** Nudges the client: stop blocking, the answer will take a while. */
  nudge(): void {
    Atomics.add(this.#i32, NUDGES, 1);
    Atomics.notify(this.#i32, this.#out.headIndex);
  }

  /** The nudge count, to compare after `recvSync()`. */
  get nudges(): number {
    return Atomics.load(this.#i32, NUDGES);
  }

  /**
   * Blocks the thread up to `micros` microseconds for a whole frame,
   * spinning first as `spin` says; returns it, or `undefined` when none
   * came (or the lane closed, or the frame can only stream, or the server
   * nudged after `nudges`).
   */
  recvSync(
    micros: number,
    nudges = this.nudges,
    spin?: SpinBudget,
  ): Frame | undefined {
    const now = performance.now();
    const end = now + micros / 1000;
    const spinning = spin?.next() ?? 0;
    if (spinning > 0) {
      const stop = now + spinning / 1000;
      do {
        const frame = this.tryRecv();
        if (frame !== undefined) {
          spin!.hit();
          return frame;
        }
        if (this.closed || this.nudges !== nudges) return undefined;
        Atomics.pause?.();
      } while (performance.now() < stop);
      spin!.miss();
    }
    while (true) {
      const seen = this.#in.head;
      const frame = this.tryRecv();
      if (frame !== undefined || this.closed || this.oversized) return frame;
      if (this.nudges !== nudges) return undefined;
      const left = end - performance.now();
      if (left <= 0) return undefined;
      this.#in.block(this.#in.headIndex, seen, left);
    }
  }

  /** Receives the next frame, or `null` once the lane is closed and drained. */
  async recv(): Promise<Frame | null> {
    while (true) {
      // Read the counter before looking, so a frame that lands after the
      // look still wakes the wait below.
      const seen = this.#in.head;
      const frame = this.tryRecv();
      if (frame !== undefined) return frame;
      if (this.oversized) return await this.#drain();
      if (this.closed && this.#in.available() === 0) return null;
      if (this.serverGone) return null; // a partial frame will not finish
      await this.#in.park(this.#in.headIndex, seen, POLL_MS);
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
          await this.#in.park(this.#in.headIndex, seen, POLL_MS);
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
    this.#ring();
  }

  /** Lanes hold no OS resource: nothing to ref. */
  ref(): void {}

  /** Lanes hold no OS resource: nothing to unref. */
  unref(): void {}
}
