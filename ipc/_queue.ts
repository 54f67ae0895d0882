/**
 * The `Queue` class: a FIFO over one shared-memory ring (`_ring.ts`),
 * items encoded by the codec (`_codec.ts`), puts and gets driven by the
 * ring's `Writer` and `Reader` (`_queue_ops.ts`).
 *
 * Import it from `queue.ts`, never from here. The codec reaches the
 * registry of shareable kinds, which loads `queue.ts` and with it the
 * variants (`JoinableQueue`, `SimpleQueue`) that extend `Queue`. Entered
 * through `queue.ts`, this file is done before any variant is evaluated;
 * entered here first, a variant would extend a class not yet defined.
 *
 * @module
 */
import { describe, revive } from "../sync/_shareable.ts";
import { queueClassOf, registerQueueClass } from "./_queue_kinds.ts";
import {
  checkOptions,
  DEFAULT_BUFFER,
  getFrom,
  getFromSync,
  putOn,
  putOnSync,
  tryGetFrom,
  tryPutOn,
} from "./_queue_ops.ts";
import { readableOf, writableOf } from "./_queue_streams.ts";
import { Ring, ringOf } from "./_ring.ts";
import { untilClosed } from "./_until_closed.ts";
import type {
  QueueData,
  QueueOptions,
  QueueSyncOptions,
  QueueWaitOptions,
  TryGetResult,
} from "./queue.ts";
import { QueueClosedError } from "./queue_closed_error.ts";

/** The default options, shared so that a call allocates none. */
const NO_OPTIONS: QueueWaitOptions = Object.freeze({});

/** Set while `[revive]` builds an instance over existing memory. */
let reviving: Ring | undefined;

/**
 * A FIFO queue shared by the main thread and Workers (Python's
 * `multiprocessing.Queue`). Items are encoded once into shared memory, so
 * they keep their types (`Map`, `Date`, `bigint`, typed arrays, errors …)
 * but not their identity; functions and class instances with methods
 * cannot be put (a `TypeError` that names the part, and the queue stays
 * usable).
 *
 * Pass the queue itself into a Worker (as a task or `Process` argument, or
 * inside any message built with the package's transfer) and use it there.
 * `putSync` / `getSync` block the thread (allowed in Workers, and on Deno's
 * main thread, where they stall the event loop). Needs no permission flag.
 * Shared objects go through too (a `Lock`, an `Event`, a `SharedValue`,
 * another `Queue`, a pipe `Connection`, a `SharedArrayBuffer` …, nested
 * anywhere in the item): they arrive over the same memory, between the
 * main thread and the workers of a `Process` or `Pool` (see `put()`).
 * Manager proxies go through as well.
 *
 * @typeParam T The items' type.
 *
 * @example
 * ```ts
 * import { Queue } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * const queue = new Queue<{ id: number; tags: Set<string> }>({ maxsize: 10 });
 * await queue.put({ id: 1, tags: new Set(["a"]) });
 * assert.equal(queue.qsize(), 1);
 * const item = await queue.get();
 * assert.deepEqual(item, { id: 1, tags: new Set(["a"]) });
 * ```
 */
export class Queue<T> implements AsyncIterable<T> {
  #ring: Ring;
  #readable: ReadableStream<T> | undefined;
  #writable: WritableStream<T> | undefined;

  /**
   * Creates a queue over fresh shared memory.
   *
   * @param options See `QueueOptions`.
   * @throws {RangeError} when `maxsize` is negative or not an integer, or
   * `bufferSize` is out of range.
   * @throws {TypeError} when they are not numbers.
   */
  constructor(options: QueueOptions = {}) {
    if (reviving !== undefined) {
      this.#ring = reviving;
      reviving = undefined;
    } else {
      checkOptions(this.constructor.name, options);
      this.#ring = Ring.create({
        capacity: options.bufferSize ?? DEFAULT_BUFFER,
        maxsize: options.maxsize ?? 0,
        joinable: queueClassOf(new.target.prototype)?.joinable ?? false,
      });
    }
    ringOf.set(this, this.#ring);
  }

  /**
   * Rebuilds a queue over the memory of a description (the shareable
   * protocol; used when a queue crosses into a Worker).
   *
   * @param data What `[describe]()` returned.
   * @returns A queue over the same memory.
   * @throws {TypeError} when `data` does not describe a queue.
   */
  static [revive]<T = unknown>(data: QueueData): Queue<T> {
    const buffer = (data as Partial<QueueData> | undefined)?.buffer;
    if (!Ring.validate(buffer)) {
      throw new TypeError(
        `Cannot revive ${this.name} as its description holds no queue memory`,
      );
    }
    reviving = new Ring(buffer);
    try {
      return new this();
    } finally {
      reviving = undefined;
    }
  }

  /**
   * Describes this queue as clonable data (the shareable protocol).
   *
   * @returns The kind and the shared memory.
   */
  [describe](): { kind: string; data: QueueData } {
    // A user's subclass crosses as the package class it extends.
    const kind = queueClassOf(this)?.kind ?? "ipc.Queue";
    return { kind, data: { buffer: this.#ring.buffer } };
  }

  /** The most items held, `0` for no limit. */
  get maxsize(): number {
    return this.#ring.maxsize;
  }

  /**
   * Puts `item` at the end, waiting while the queue is full.
   *
   * What can be in `item`: what `Queue` carries (see there), and shared
   * objects (`Lock`, `RLock`, `Semaphore`, `Condition`, `Event`, `Barrier`,
   * `SharedValue`, `SharedArray`, `Raw*`, `SharedStruct`, `Queue`s, pipe
   * `Connection`s, `SharedArrayBuffer`s and views of them, Manager
   * proxies): the getter revives them over the same memory. Each
   * `SharedArrayBuffer` is handed once to every thread of the tree (the
   * main thread and the workers that `Process` and `Pool` started), which
   * keeps it alive for its life: send long-lived shared objects, not a
   * fresh one per item. A worker that this package did not start cannot
   * put shared objects (`TypeError`). Between two workers the main thread
   * relays the memory on its event loop, so a main thread blocked in a
   * `*Sync` call delays such an item, and after 5 s its getter throws
   * `TypeError`. A `"subprocess"` child cannot share memory: a shared
   * object given to it is a `TypeError` that suggests a Manager proxy.
   *
   * @param item The item; encoded at once, so later changes to it are not
   * seen.
   * @param options `signal` and `timeout` bound the wait.
   * @returns Once the item is in the queue.
   * @throws {TypeError} when `item` cannot be encoded.
   * @throws {QueueClosedError} when the queue is closed.
   *
   * @example A Lock through a queue is the same lock
   * ```ts
   * import { Queue } from "@mp/multiprocessing/ipc";
   * import { Lock } from "@mp/multiprocessing/sync";
   * import assert from "node:assert/strict";
   *
   * const queue = new Queue<{ lock: Lock }>();
   * const lock = new Lock();
   * await queue.put({ lock });
   * const { lock: same } = await queue.get(); // in a worker alike
   * using _ = same.tryAcquire();
   * assert.equal(lock.locked(), true); // one lock, two handles
   * ```
   */
  put(item: T, options: QueueWaitOptions = NO_OPTIONS): Promise<void> {
    return putOn(this, this.#ring, item, options);
  }

  /**
   * Puts `item` at the end, blocking the thread while the queue is full.
   *
   * @param item The item.
   * @param options `timeout` bounds the wait.
   * @throws {TypeError} when `item` cannot be encoded.
   * @throws {QueueClosedError} when the queue is closed.
   */
  putSync(item: T, options: QueueSyncOptions = {}): void {
    putOnSync(this, this.#ring, item, options);
  }

  /**
   * Puts `item` if that needs no waiting (Python's `put_nowait`).
   *
   * @param item The item; at most half of `bufferSize` once encoded.
   * @returns Whether the item was put (false when the queue is full).
   * @throws {TypeError} when `item` cannot be encoded.
   * @throws {RangeError} when `item` is too big to put without waiting.
   * @throws {QueueClosedError} when the queue is closed.
   */
  tryPut(item: T): boolean {
    return tryPutOn(this, this.#ring, item);
  }

  /**
   * Takes the first item, waiting until there is one.
   *
   * @param options `signal` and `timeout` bound the wait.
   * @returns The item.
   * @throws {QueueClosedError} when the queue is closed and empty.
   */
  get(options: QueueWaitOptions = NO_OPTIONS): Promise<T> {
    return getFrom(this, this.#ring, options) as Promise<T>;
  }

  /**
   * Takes the first item, blocking the thread until there is one.
   *
   * @param options `timeout` bounds the wait.
   * @returns The item.
   * @throws {QueueClosedError} when the queue is closed and empty.
   */
  getSync(options: QueueSyncOptions = {}): T {
    return getFromSync(this, this.#ring, options) as T;
  }

  /**
   * Takes the first item if there is one (Python's `get_nowait`). An item
   * that is still streaming in is read to its end.
   *
   * @returns `{ ok: true, value }`, or `{ ok: false }` when there is none.
   */
  tryGet(): TryGetResult<T> {
    return tryGetFrom(this, this.#ring) as TryGetResult<T>;
  }

  /**
   * The number of items in the queue (approximate while others put and
   * get).
   *
   * @returns The count.
   */
  qsize(): number {
    return Math.max(0, this.#ring.count);
  }

  /**
   * Whether the queue holds no item (approximate).
   *
   * @returns True when empty.
   */
  empty(): boolean {
    return this.#ring.count <= 0;
  }

  /**
   * Whether the queue holds `maxsize` items (approximate).
   *
   * @returns True when full.
   */
  full(): boolean {
    return this.#ring.maxsize > 0 && this.#ring.count >= this.#ring.maxsize;
  }

  /**
   * Closes the queue for every thread: `put()` throws from now on, and
   * consumers get the remaining items, then `QueueClosedError` (a
   * `for await` loop ends). Idempotent.
   */
  close(): void {
    this.#ring.close(1);
  }

  /** Whether `close()` was called (by any thread). */
  get closed(): boolean {
    return this.#ring.closed !== 0;
  }

  /**
   * Iterates over items as they arrive, until the queue is closed and
   * drained.
   *
   * @returns An async iterator of items.
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return untilClosed(() => this.get(), QueueClosedError);
  }

  /**
   * A `ReadableStream` of the items, ending when the queue is closed and
   * drained. It pulls one item per read (no read-ahead). One per queue
   * handle.
   */
  get readable(): ReadableStream<T> {
    return this.#readable ??= readableOf(this);
  }

  /**
   * A `WritableStream` that puts each chunk, applying the queue's
   * backpressure (a write waits while the queue is full); closing the
   * stream closes the queue. One per queue handle.
   */
  get writable(): WritableStream<T> {
    return this.#writable ??= writableOf(this);
  }
}

registerQueueClass(Queue, { kind: "ipc.Queue", joinable: false });
