/**
 * One direction of a Manager lane (`_local_ring.ts`): a single-producer
 * single-consumer byte ring over part of a `SharedArrayBuffer`, with its
 * `head` and `tail` byte counters in two `Int32Array` words.
 *
 * Counters only grow (mod 2^32) and wrap around the data; a producer
 * copies, then advances `head`; a consumer copies out, then advances
 * `tail`; each with `Atomics.store` + `Atomics.notify`. A frame is an
 * 8-byte header (u32 payload length, u32 tag, little-endian) then the
 * payload. Short copies go byte by byte, so that a small frame costs no
 * typed-array view.
 *
 * @module
 */

/** Bytes of a frame header. */
export const HEADER = 8;

/** Copies shorter than this go byte by byte (no view to allocate). */
const SHORT = 64;

/** One direction of a lane; see the module note. */
export class ByteRing {
  readonly #i32: Int32Array;
  readonly #bytes: Uint8Array;
  readonly headIndex: number;
  readonly tailIndex: number;
  readonly capacity: number;

  constructor(i32: Int32Array, word: number, bytes: Uint8Array) {
    this.#i32 = i32;
    this.headIndex = word;
    this.tailIndex = word + 1;
    this.#bytes = bytes;
    this.capacity = bytes.byteLength;
  }

  get head(): number {
    return Atomics.load(this.#i32, this.headIndex);
  }

  get tail(): number {
    return Atomics.load(this.#i32, this.tailIndex);
  }

  available(): number {
    return (this.head - this.tail) >>> 0;
  }

  space(): number {
    return this.capacity - this.available();
  }

  /** Copies `length` bytes of `src` in at counter `position`. */
  #copyIn(src: Uint8Array, length: number, position: number): void {
    const bytes = this.#bytes;
    const capacity = this.capacity;
    let at = position % capacity;
    if (length < SHORT) {
      for (let k = 0; k < length; k++) {
        bytes[at] = src[k]!;
        if (++at === capacity) at = 0;
      }
      return;
    }
    const first = Math.min(length, capacity - at);
    bytes.set(src.subarray(0, first), at);
    if (first < length) bytes.set(src.subarray(first, length), 0);
  }

  #u32In(value: number, position: number): void {
    for (let k = 0; k < 4; k++) {
      this.#bytes[(position + k) % this.capacity] = (value >>> (8 * k)) & 0xff;
    }
  }

  /** Reads the u32 at `skip` bytes past the tail (little-endian). */
  u32(skip: number): number {
    const at = (Atomics.load(this.#i32, this.tailIndex) >>> 0) + skip;
    let value = 0;
    for (let k = 3; k >= 0; k--) {
      value = value * 256 + this.#bytes[(at + k) % this.capacity]!;
    }
    return value;
  }

  /** Publishes `head` and wakes the reader. */
  #publish(head: number): void {
    Atomics.store(this.#i32, this.headIndex, head | 0);
    Atomics.notify(this.#i32, this.headIndex);
  }

  /** Copies `src` in (the caller checked the space) and publishes it. */
  put(src: Uint8Array): void {
    const head = Atomics.load(this.#i32, this.headIndex) >>> 0;
    this.#copyIn(src, src.byteLength, head);
    this.#publish(head + src.byteLength);
  }

  /**
   * Writes a whole frame: header, then `length` bytes of `payload` (the
   * caller checked the space), and publishes it.
   */
  putFrame(tag: number, payload: Uint8Array, length: number): void {
    const head = Atomics.load(this.#i32, this.headIndex) >>> 0;
    this.#u32In(length, head);
    this.#u32In(tag, head + 4);
    this.#copyIn(payload, length, head + HEADER);
    this.#publish(head + HEADER + length);
  }

  /** Copies `dst.byteLength` bytes from `skip` past the tail, and frees them. */
  take(dst: Uint8Array, skip = 0): void {
    const tail = Atomics.load(this.#i32, this.tailIndex) >>> 0;
    const length = dst.byteLength;
    const bytes = this.#bytes;
    const capacity = this.capacity;
    let at = (tail + skip) % capacity;
    if (length < SHORT) {
      for (let k = 0; k < length; k++) {
        dst[k] = bytes[at]!;
        if (++at === capacity) at = 0;
      }
    } else {
      const first = Math.min(length, capacity - at);
      dst.set(bytes.subarray(at, at + first));
      if (first < length) dst.set(bytes.subarray(0, length - first), first);
    }
    Atomics.store(this.#i32, this.tailIndex, (tail + skip + length) | 0);
    Atomics.notify(this.#i32, this.tailIndex);
  }

  /** Resolves once `index` moves from `seen`, or after `ms`. */
  park(index: number, seen: number, ms: number): Promise<void> {
    const result = Atomics.waitAsync(this.#i32, index, seen, ms);
    return result.async ? result.value.then(() => {}) : Promise.resolve();
  }

  /** Blocks until `index` moves from `seen`, or for `ms`. */
  block(index: number, seen: number, ms: number): void {
    Atomics.wait(this.#i32, index, seen, ms);
  }
}
