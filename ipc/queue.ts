/**
 * `Queue`: a multi-producer, multi-consumer FIFO across the main thread and
 * any number of Workers, over one shared-memory ring; and its variants
 * `JoinableQueue` and `SimpleQueue`.
 *
 * The three classes live in one file on purpose: the codec imports the
 * registry of shareable kinds, which imports this file (`_shareables.ts`),
 * so a subclass in another file could be evaluated before `Queue` when
 * that file is the first module loaded.
 *
 * @module
 */
import { describe, revive } from "../sync/_shareable.ts";
import { decodeRange, encodeScratch } from "./_codec.ts";
import {
  checkBufferSize,
  DONE,
  joinableClasses,
  Ring,
  RingClosedError,
  ringOf,
} from "./_ring.ts";
import { JoinOp } from "./_ring_ops.ts";
import { Reader } from "./_ring_reader.ts";
import { Writer } from "./_ring_writer.ts";
import { checkTimeout, runAsync, runSync } from "./_ring_wait.ts";

/** Options of `new Queue()`. */
export interface QueueOptions {
  /**
   * The most items the queue holds; `put()` waits while it is full. `0`
   * (the default) means no limit.
   */
  maxsize?: number;
  /**
   * Bytes of shared memory for items in transit, rounded up to a power of
   * two (256 B to 1 GiB). An item larger than half of it streams through
   * in chunks while a consumer reads it. Default 1 MiB.
   */
  bufferSize?: number;
}

/** Options of the waiting calls (`put`, `get`, `join`). */
export interface QueueWaitOptions {
  /** Stop waiting when aborted; rejects with `signal.reason`. */
  signal?: AbortSignal;
  /**
   * Stop waiting after this many milliseconds; rejects with a
   * `DOMException` named `"TimeoutError"`. Default: wait forever.
   */
  timeout?: number;
}

/** Options of the blocking calls (`putSync`, `getSync`, `joinSync`). */
export interface QueueSyncOptions {
  /**
   * Stop waiting after this many milliseconds; throws a `DOMException`
   * named `"TimeoutError"`. Default: wait forever.
   */
  timeout?: number;
}

/** What `tryGet()` returns: the item, or `ok: false` when there is none. */
export type TryGetResult<T> = { ok: true; value: T } | { ok: false };

/** The description a `Queue` crosses into a Worker as. */
export interface QueueData {
  /** The ring's memory. */
  buffer: SharedArrayBuffer;
}

/**
 * Thrown by `put()` on a closed queue, and by `get()` on a closed queue
 * that has been drained.
 *
 * @example
 * ```ts
 * import { Queue, QueueClosedError } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * const queue = new Queue<number>();
 * queue.close();
 * await assert.rejects(queue.get(), QueueClosedError);
 * ```
 */
export class QueueClosedError extends Error {
  /**
   * Creates the error.
   *
   * @param message What was refused.
   * @param options The error's `cause`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "QueueClosedError";
  }
}

const DEFAULT_BUFFER = 1 << 20;

function closedError(
  error: unknown,
  name: string,
  action: string,
): unknown {
  if (!(error instanceof RingClosedError)) return error;
  return new QueueClosedError(
    action === "get"
      ? `Cannot get() from ${name} as it is closed and empty`
      : `Cannot put() on ${name} as it is closed`,
    { cause: error },
  );
}

function checkOptions(name: string, options: QueueOptions): void {
  const { maxsize = 0, bufferSize = DEFAULT_BUFFER } = options;
  if (typeof maxsize !== "number") {
    throw new TypeError(
      `Cannot create ${name} as maxsize must be a number: received ${typeof maxsize}`,
    );
  }
  if (!Number.isInteger(maxsize) || maxsize < 0 || maxsize > 0x7fff_ffff) {
    throw new RangeError(
      `Cannot create ${name} as maxsize must be a non-negative integer: received ${maxsize}`,
    );
  }
  checkBufferSize(name, bufferSize);
}

function isJoinable(cls: unknown): boolean {
  for (let c = cls; c !== null; c = Object.getPrototypeOf(c)) {
    if (joinableClasses.has(c as object)) return true;
  }
  return false;
}

/** Set while `[revive]` builds an instance over existing memory. */
let reviving: Ring | undefined;

/**
 * A FIFO queue shared by the main thread and Workers (Python's
 * `multiprocessing.Queue`). Items are encoded once into shared memory, so
 * they keep their types (`Map`, `Date`, `bigint`, typed arrays, errors …)
 * but not their identity; functions, class instances with methods and
 * shared-memory objects cannot be put (a `TypeError` that names the part,
 * and the queue stays usable).
 *
 * Pass the queue itself into a Worker (as a task or `Process` argument, or
 * inside any message built with the package's transfer) and use it there.
 * `putSync` / `getSync` block the thread (allowed in Workers, and on Deno's
 * main thread, where they stall the event loop). Needs no permission flag.
 * A shared object (a `Lock`, another `Queue`, a `SharedArrayBuffer` …)
 * cannot go through a queue, whose items are bytes: pass it to the Worker
 * as a task or `Process` argument instead.
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
        joinable: isJoinable(new.target),
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
    const kind = this instanceof JoinableQueue
      ? "ipc.JoinableQueue"
      : this instanceof SimpleQueue
      ? "ipc.SimpleQueue"
      : "ipc.Queue";
    return { kind, data: { buffer: this.#ring.buffer } };
  }

  /** The most items held, `0` for no limit. */
  get maxsize(): number {
    return this.#ring.maxsize;
  }

  /**
   * Puts `item` at the end, waiting while the queue is full.
   *
   * @param item The item; encoded at once, so later changes to it are not
   * seen.
   * @param options `signal` and `timeout` bound the wait.
   * @returns Once the item is in the queue.
   * @throws {TypeError} when `item` cannot be encoded.
   * @throws {QueueClosedError} when the queue is closed.
   */
  async put(item: T, options: QueueWaitOptions = {}): Promise<void> {
    const name = this.constructor.name;
    if (options.timeout !== undefined) {
      checkTimeout(`put() on ${name}`, options.timeout);
    }
    options.signal?.throwIfAborted();
    const encoded = encodeScratch(item, "item");
    const op = new Writer(this.#ring, encoded.buf, encoded.length);
    try {
      if (op.step() === DONE) return;
      op.own();
      await runAsync(this.#ring, op, `put() on ${name}`, options);
    } catch (error) {
      throw closedError(error, name, "put");
    }
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
    const name = this.constructor.name;
    if (options.timeout !== undefined) {
      checkTimeout(`putSync() on ${name}`, options.timeout);
    }
    const encoded = encodeScratch(item, "item");
    const op = new Writer(this.#ring, encoded.buf, encoded.length);
    try {
      if (op.step() !== DONE) {
        runSync(this.#ring, op, `putSync() on ${name}`, options.timeout);
      }
    } catch (error) {
      throw closedError(error, name, "put");
    }
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
    const name = this.constructor.name;
    const encoded = encodeScratch(item, "item");
    const op = new Writer(this.#ring, encoded.buf, encoded.length);
    if (!op.whole) {
      throw new RangeError(
        `Cannot tryPut() on ${name} as the item takes more than half its buffer: received ${encoded.length} bytes; use put()`,
      );
    }
    try {
      if (op.step() === DONE) return true;
    } catch (error) {
      throw closedError(error, name, "put");
    }
    op.cancel();
    return false;
  }

  /**
   * Takes the first item, waiting until there is one.
   *
   * @param options `signal` and `timeout` bound the wait.
   * @returns The item.
   * @throws {QueueClosedError} when the queue is closed and empty.
   */
  async get(options: QueueWaitOptions = {}): Promise<T> {
    const name = this.constructor.name;
    if (options.timeout !== undefined) {
      checkTimeout(`get() from ${name}`, options.timeout);
    }
    options.signal?.throwIfAborted();
    const op = new Reader(this.#ring, decodeRange);
    try {
      if (op.step() !== DONE) {
        await runAsync(this.#ring, op, `get() from ${name}`, options);
      }
    } catch (error) {
      throw closedError(error, name, "get");
    }
    return op.value as T;
  }

  /**
   * Takes the first item, blocking the thread until there is one.
   *
   * @param options `timeout` bounds the wait.
   * @returns The item.
   * @throws {QueueClosedError} when the queue is closed and empty.
   */
  getSync(options: QueueSyncOptions = {}): T {
    const name = this.constructor.name;
    if (options.timeout !== undefined) {
      checkTimeout(`getSync() from ${name}`, options.timeout);
    }
    const op = new Reader(this.#ring, decodeRange);
    try {
      if (op.step() !== DONE) {
        runSync(this.#ring, op, `getSync() from ${name}`, options.timeout);
      }
    } catch (error) {
      throw closedError(error, name, "get");
    }
    return op.value as T;
  }

  /**
   * Takes the first item if there is one (Python's `get_nowait`). An item
   * that is still streaming in is read to its end.
   *
   * @returns `{ ok: true, value }`, or `{ ok: false }` when there is none.
   */
  tryGet(): TryGetResult<T> {
    const op = new Reader(this.#ring, decodeRange, true);
    let word: number;
    try {
      word = op.step();
      if (word !== DONE && op.streaming) {
        runSync(this.#ring, op, `tryGet() from ${this.constructor.name}`);
        word = DONE;
      }
    } catch (error) {
      if (error instanceof RingClosedError) return { ok: false };
      throw error;
    }
    if (word === DONE) return { ok: true, value: op.value as T };
    op.cancel();
    return { ok: false };
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
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      let item: T;
      try {
        item = await this.get();
      } catch (error) {
        if (error instanceof QueueClosedError) return;
        throw error;
      }
      yield item;
    }
  }

  /**
   * A `ReadableStream` of the items, ending when the queue is closed and
   * drained. It pulls one item per read (no read-ahead). One per queue
   * handle.
   */
  get readable(): ReadableStream<T> {
    return this.#readable ??= new ReadableStream<T>({
      pull: async (controller) => {
        try {
          controller.enqueue(await this.get());
        } catch (error) {
          if (error instanceof QueueClosedError) controller.close();
          else throw error;
        }
      },
    }, { highWaterMark: 0 });
  }

  /**
   * A `WritableStream` that puts each chunk, applying the queue's
   * backpressure (a write waits while the queue is full); closing the
   * stream closes the queue. One per queue handle.
   */
  get writable(): WritableStream<T> {
    return this.#writable ??= new WritableStream<T>({
      write: (item) => this.put(item),
      close: () => this.close(),
    }, { highWaterMark: 1 });
  }
}

/**
 * A `Queue` that counts unfinished items (Python's
 * `multiprocessing.JoinableQueue`): each `put()` adds one, each
 * `taskDone()` removes one, and `join()` waits until none is left.
 *
 * @typeParam T The items' type.
 *
 * @example
 * ```ts
 * import { JoinableQueue } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * const queue = new JoinableQueue<string>();
 * await queue.put("a");
 * await queue.put("b");
 * const done: string[] = [];
 * const consumer = (async () => {
 *   for (let i = 0; i < 2; i++) {
 *     done.push(await queue.get());
 *     queue.taskDone();
 *   }
 * })();
 * await queue.join();
 * assert.deepEqual(done, ["a", "b"]);
 * await consumer;
 * ```
 */
export class JoinableQueue<T> extends Queue<T> {
  /**
   * Creates a joinable queue over fresh shared memory.
   *
   * @param options See `QueueOptions`.
   * @throws {RangeError} when `maxsize` is negative or not an integer, or
   * `bufferSize` is out of range.
   * @throws {TypeError} when they are not numbers.
   */
  constructor(options: QueueOptions = {}) {
    super(options);
  }

  get #ring(): Ring {
    return ringOf.get(this)!;
  }

  /**
   * Marks one item taken with `get()` as processed (Python's `task_done`).
   *
   * @throws {RangeError} when called more times than items were put.
   */
  taskDone(): void {
    if (this.#ring.taskDone() < 0) {
      throw new RangeError(
        "Cannot call taskDone() on JoinableQueue more times than items were put: no item is unfinished",
      );
    }
  }

  /** The number of items put and not yet marked done. */
  get unfinished(): number {
    return Math.max(0, this.#ring.unfinished);
  }

  /**
   * Waits until every item put has been marked done with `taskDone()`.
   *
   * @param options `signal` and `timeout` bound the wait.
   * @returns Once no item is unfinished.
   */
  async join(options: QueueWaitOptions = {}): Promise<void> {
    if (options.timeout !== undefined) {
      checkTimeout("join() JoinableQueue", options.timeout);
    }
    options.signal?.throwIfAborted();
    const op = new JoinOp(this.#ring);
    if (op.step() === -1) return;
    await runAsync(this.#ring, op, "join() JoinableQueue", options);
  }

  /**
   * Blocks the thread until every item put has been marked done.
   *
   * @param options `timeout` bounds the wait.
   */
  joinSync(options: QueueSyncOptions = {}): void {
    if (options.timeout !== undefined) {
      checkTimeout("joinSync() JoinableQueue", options.timeout);
    }
    runSync(
      this.#ring,
      new JoinOp(this.#ring),
      "joinSync() JoinableQueue",
      options.timeout,
    );
  }
}

joinableClasses.add(JoinableQueue);

/** Options of `new SimpleQueue()`. */
export interface SimpleQueueOptions {
  /**
   * Bytes of shared memory for items in transit, rounded up to a power of
   * two (256 B to 1 GiB); larger items stream through. Default 1 MiB.
   */
  bufferSize?: number;
}

/**
 * An unbounded queue (Python's `multiprocessing.SimpleQueue`): the same
 * `put` / `get` / `empty` / `close` as `Queue`, with no `maxsize`.
 *
 * @typeParam T The items' type.
 *
 * @example
 * ```ts
 * import { SimpleQueue } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * const queue = new SimpleQueue<number[]>();
 * await queue.put([1, 2, 3]);
 * assert.equal(queue.empty(), false);
 * assert.deepEqual(await queue.get(), [1, 2, 3]);
 * ```
 */
export class SimpleQueue<T> extends Queue<T> {
  /**
   * Creates an unbounded queue over fresh shared memory.
   *
   * @param options See `SimpleQueueOptions`.
   * @throws {RangeError} when `bufferSize` is out of range.
   */
  constructor(options: SimpleQueueOptions = {}) {
    super(
      options.bufferSize === undefined
        ? {}
        : { bufferSize: options.bufferSize },
    );
  }
}
