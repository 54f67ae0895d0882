/**
 * A multi-producer, multi-consumer ring of variable-size messages in one
 * `SharedArrayBuffer`, with futex wake-ups. `Queue` and `pipe()` run on it.
 *
 * Memory: a header of `Int32` words (each hot word on its own cache line),
 * then `capacity` data bytes (a power of two). `TAIL` and `HEAD` count bytes
 * written and read, wrapping at 2^32; a position is `counter & (capacity-1)`.
 *
 * Records in the data area are 8-byte aligned and never wrap: an 8-byte
 * header (`u32` payload length; type byte, tag byte, two zero bytes), then
 * the payload, padded to 8. A message that fits in half the ring is one
 * `FULL` record; a bigger one streams as `FIRST` (payload starts with the
 * total length, `u32` + 4 pad bytes), `MORE`…, `LAST`, each at most a
 * quarter of the ring, so a message of any size passes through while the
 * consumer reads. `PAD` fills the end of the ring when a record does not
 * fit there; `ABORT` ends a stream whose producer gave up or died.
 *
 * Locks: producers take `WLOCK` for a whole message and consumers `RLOCK`
 * for a whole message, so messages never interleave. A lock word holds the
 * holder's agent id (`sync/_agent.ts`); a waiter that finds the holder dead
 * takes the lock over. A producer that gives up in the middle of a stream
 * leaves -1 in `WLOCK` (`WSTATE` stays 1); whoever takes `WLOCK` from -1, or
 * from a dead holder while `WSTATE` is 1, writes `ABORT` first. A consumer that takes `RLOCK` and
 * finds `MORE`/`LAST` records at a message boundary skips them (the dead
 * consumer's stream). So a Worker terminated mid-`put` or mid-`get` loses
 * its own message, never the ring.
 *
 * Counters: `COUNT` counts messages put (a producer reserves one before
 * writing, bounded by `MAXSIZE`, and gives it back if it does not write)
 * and `TAKEN` messages taken (a consumer counts one on taking `FULL` or
 * `FIRST`); the number held is their difference. Each side writes only its
 * own counter, which sits on a cache line of that side (`TAKEN` next to
 * `RLOCK`), so that a busy producer and consumer do not fight over one
 * line on every message. `UNFINISHED` counts messages
 * put and not yet marked done (`JoinableQueue`). `CLOSED` has bit 1 (no more
 * writes: readers drain, then see the end) and bit 2 (no more reads).
 *
 * Waiting: each waitable word `W` is followed by `W + 1`, the number of
 * threads sleeping on it; whoever changes `W` notifies only when that count
 * is non-zero. Waiters spin briefly (a sleeping hand-off costs about 20 µs)
 * and then sleep in slices, so that a dead lock holder is noticed.
 *
 * The operations on a ring are in `_ring_ops.ts`, the waiting in
 * `_ring_wait.ts`.
 *
 * @module
 */
import { agentId, isAgentDead } from "../sync/_agent.ts";

export const CAPACITY = 0;
export const MAXSIZE = 1;
export const FLAGS = 2;
export const TAIL = 16;
export const HEAD = 32;
export const WLOCK = 48;
export const WSTATE = 50;
export const RLOCK = 64;
export const TAKEN = 66;
export const COUNT = 80;
export const UNFINISHED = 96;
export const CLOSED = 112;
/** Bytes before the data area. */
export const HEADER_BYTES = 512;

/** `FLAGS` bit: `UNFINISHED` is kept (a `JoinableQueue`). */
const JOINABLE = 1;
/** `CLOSED` bit: no more writes. */
export const WRITE_CLOSED = 1;
/** `CLOSED` bit: no more reads. */
export const READ_CLOSED = 2;

export const FULL = 1;
export const FIRST = 2;
export const MORE = 3;
export const LAST = 4;
export const ABORT = 5;
export const PAD = 6;

/** `step()` finished. */
export const DONE = -1;

/** `WLOCK` value: free, but a stream was left open (write `ABORT`). */
export const OPEN_STREAM = -1;

/** Smallest and largest data area. */
export const MIN_CAPACITY = 256;
export const MAX_CAPACITY = 1 << 30;
/** Largest message. */
export const MAX_MESSAGE = 0x7fff_ffff;

/** Thrown by an operation on a closed ring; the caller maps it. */
export class RingClosedError extends Error {
  /** Which side was closed: `WRITE_CLOSED` or `READ_CLOSED`. */
  readonly side: number;
  constructor(side: number) {
    super(side === WRITE_CLOSED ? "closed for writing" : "closed for reading");
    this.name = "RingClosedError";
    this.side = side;
  }
}

/**
 * Validates a `bufferSize` option (the bytes of a ring).
 *
 * @throws {TypeError} when it is not a number.
 * @throws {RangeError} when it is not an integer from 256 to 2^30.
 */
export function checkBufferSize(what: string, bufferSize: unknown): void {
  if (typeof bufferSize !== "number") {
    throw new TypeError(
      `Cannot create ${what} as bufferSize must be a number: received ${typeof bufferSize}`,
    );
  }
  if (
    !Number.isInteger(bufferSize) || bufferSize < MIN_CAPACITY ||
    bufferSize > MAX_CAPACITY
  ) {
    throw new RangeError(
      `Cannot create ${what} as bufferSize must be an integer from 256 to 2^30: received ${bufferSize}`,
    );
  }
}

/** Options of `Ring.create`. */
export interface RingInit {
  /** Data bytes, rounded up to a power of two. */
  capacity: number;
  /** Largest number of messages held, `0` for no limit. */
  maxsize?: number;
  /** Keep the `UNFINISHED` counter. */
  joinable?: boolean;
}

/** Rounds `n` up to a multiple of 8. */
export function align8(n: number): number {
  return (n + 7) & ~7;
}

/** One thread's handle on a ring. */
export class Ring {
  /** The memory, shared with every handle on this ring. */
  readonly buffer: SharedArrayBuffer;
  readonly h: Int32Array;
  readonly data: Uint8Array;
  readonly words: Int32Array;
  readonly capacity: number;
  readonly mask: number;
  readonly maxsize: number;
  readonly joinable: boolean;

  /** Wraps existing ring memory. */
  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.h = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.capacity = this.h[CAPACITY]!;
    this.mask = this.capacity - 1;
    this.maxsize = this.h[MAXSIZE]!;
    this.joinable = (this.h[FLAGS]! & JOINABLE) !== 0;
    this.data = new Uint8Array(buffer, HEADER_BYTES, this.capacity);
    this.words = new Int32Array(buffer, HEADER_BYTES, this.capacity / 4);
  }

  /** Allocates a new ring. */
  static create(init: RingInit): Ring {
    let capacity = MIN_CAPACITY;
    while (capacity < init.capacity && capacity < MAX_CAPACITY) capacity *= 2;
    const buffer = new SharedArrayBuffer(HEADER_BYTES + capacity);
    const h = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    h[CAPACITY] = capacity;
    h[MAXSIZE] = init.maxsize ?? 0;
    h[FLAGS] = init.joinable ? JOINABLE : 0;
    return new Ring(buffer);
  }

  /** Checks that `buffer` looks like ring memory (for revive). */
  static validate(buffer: unknown): buffer is SharedArrayBuffer {
    if (!(buffer instanceof SharedArrayBuffer)) return false;
    if (buffer.byteLength < HEADER_BYTES + MIN_CAPACITY) return false;
    const capacity = new Int32Array(buffer, 0, 1)[0]!;
    return capacity >= MIN_CAPACITY && (capacity & (capacity - 1)) === 0 &&
      buffer.byteLength === HEADER_BYTES + capacity;
  }

  /** Messages put and not yet taken (never more than the true number). */
  get count(): number {
    const taken = Atomics.load(this.h, TAKEN);
    return (Atomics.load(this.h, COUNT) - taken) | 0;
  }

  /** Messages put and not yet marked done. */
  get unfinished(): number {
    return Atomics.load(this.h, UNFINISHED);
  }

  /** The `CLOSED` bits. */
  get closed(): number {
    return Atomics.load(this.h, CLOSED);
  }

  /** Whether a message (or part of one) is waiting to be read. */
  get readable(): boolean {
    return Atomics.load(this.h, TAIL) !== Atomics.load(this.h, HEAD);
  }

  /** Sets `CLOSED` bits and wakes every sleeper so it can see them. */
  close(bits: number): void {
    Atomics.or(this.h, CLOSED, bits);
    for (const word of [TAIL, HEAD, TAKEN, UNFINISHED, WLOCK, RLOCK]) {
      Atomics.notify(this.h, word);
    }
  }

  /** Marks one message done; returns the number left unfinished. */
  taskDone(): number {
    const h = this.h;
    for (;;) {
      const n = Atomics.load(h, UNFINISHED);
      if (n <= 0) return -1;
      if (Atomics.compareExchange(h, UNFINISHED, n, n - 1) === n) {
        if (n === 1 && Atomics.load(h, UNFINISHED + 1) > 0) {
          Atomics.notify(h, UNFINISHED);
        }
        return n - 1;
      }
    }
  }

  /**
   * Wakes sleepers on `word` if there are any. Called right after an
   * atomic write of `word`; the sleeper count is read plainly (the atomic
   * write before it is a full barrier, and a wake-up missed anyway costs a
   * sleep slice, not correctness).
   */
  wake(word: number): void {
    if (this.h[word + 1]! > 0) Atomics.notify(this.h, word);
  }

  /** Takes lock `word`; returns `DONE`, or the owner to wait for. */
  lock(word: number): number {
    const h = this.h;
    const me = agentId();
    const owner = Atomics.compareExchange(h, word, 0, me);
    if (owner === 0) return DONE;
    if (
      owner !== me && owner > 0 && isAgentDead(owner) &&
      Atomics.compareExchange(h, word, owner, me) === owner
    ) return DONE;
    return owner;
  }

  /** Releases lock `word`, leaving `value` (0: free) in it. */
  unlock(word: number, value = 0): void {
    Atomics.store(this.h, word, value);
    this.wake(word);
  }

  /** Releases one reserved message slot (a put that did not happen). */
  unreserve(): void {
    Atomics.sub(this.h, COUNT, 1);
    // A producer waiting for room sleeps on TAKEN: let it look again.
    this.wake(TAKEN);
    if (this.joinable) this.taskDone();
  }

  /** Writes a record header at data position `p`. */
  header(p: number, length: number, type: number, tag: number): void {
    this.words[p >> 2] = length;
    this.words[(p >> 2) + 1] = type | (tag << 8);
  }

  // Per-handle caches (a handle lives in one thread). A cached counter is a
  // value once read atomically; counters only grow, so a stale one is
  // conservative, and one older than a ring's worth of bytes is reloaded.
  /** The writer's view of HEAD. */
  #head = 0;
  /** The reader's view of TAIL. */
  #tail = 0;
  /** TAIL as read by the last `room()`. */
  #writeAt = 0;

  /**
   * Makes room for a record of `size` bytes at the tail (under `WLOCK`):
   * returns its data position, or -1 when there is not enough free space.
   * Writes a `PAD` record first when the record does not fit before the end
   * of the ring; `this.skip` is the number of bytes that padding took.
   */
  room(size: number): number {
    const capacity = this.capacity;
    const tail = Atomics.load(this.h, TAIL);
    this.#writeAt = tail;
    const p = tail & this.mask;
    const end = capacity - p;
    const need = size <= end ? size : end + size;
    let used = (tail - this.#head) | 0;
    if (used < 0 || used > capacity - need) {
      this.#head = Atomics.load(this.h, HEAD);
      used = (tail - this.#head) | 0;
      if (used > capacity - need) return -1;
    }
    if (size <= end) {
      this.skip = 0;
      return p;
    }
    this.header(p, end - 8, PAD, 0);
    this.skip = end;
    return 0;
  }

  /** Bytes of padding the last `room()` call wrote. */
  skip = 0;

  /**
   * Publishes the record `room()` made room for (`bytes` including the
   * padding) and wakes sleeping readers.
   */
  publish(bytes: number): void {
    Atomics.store(this.h, TAIL, this.#writeAt + bytes);
    this.wake(TAIL);
  }

  /**
   * How many bytes can be read at `head` (under `RLOCK`), from the cached
   * tail when it is ahead, else from TAIL itself.
   */
  available(head: number): number {
    const n = (this.#tail - head) | 0;
    if (n > 0 && n <= this.capacity) return n;
    this.#tail = Atomics.load(this.h, TAIL);
    return (this.#tail - head) | 0;
  }

  /** Moves HEAD to `head` (under `RLOCK`) and wakes sleeping writers. */
  consume(head: number): void {
    Atomics.store(this.h, HEAD, head);
    this.wake(HEAD);
  }
}

/** The ring each `Queue` handle runs on (for its subclasses' methods). */
export const ringOf: WeakMap<object, Ring> = new WeakMap();
