/**
 * `Queue` and its variants `JoinableQueue` and `SimpleQueue`: FIFOs across
 * the main thread and any number of Workers, each over one shared-memory
 * ring; their options, and `QueueClosedError`.
 *
 * `Queue` itself lives in `_queue.ts`, and this file must load it before
 * the variants, which extend it: the codec that `Queue` imports reaches
 * the registry of shareable kinds (`_kinds.ts`), which loads this file.
 * Keep `_queue.ts` first below, and import the classes from here (or from
 * a variant's own file), never from `_queue.ts`.
 *
 * @module
 */
export * from "./_queue.ts";
export * from "./joinable_queue.ts";
export * from "./simple_queue.ts";
export * from "./queue_closed_error.ts";

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
