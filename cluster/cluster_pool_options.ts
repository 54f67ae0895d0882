/**
 * The options of `ClusterPool` and its calls, its counters, and the shape
 * of a dead letter.
 *
 * @module
 */
import type { RedisTarget } from "./redis_connection.ts";

/**
 * Options of `ClusterPool.connect()`.
 *
 * @example
 * ```ts
 * import type { ClusterPoolOptions } from "@mp/multiprocessing/cluster";
 * import assert from "node:assert/strict";
 *
 * const options: ClusterPoolOptions = {
 *   redis: { url: "redis://redis.internal:6379", username: "app", password: "s3cret" },
 *   name: "images",
 *   maxAttempts: 5,
 * };
 * assert.equal(options.maxAttempts, 5);
 * ```
 */
export interface ClusterPoolOptions {
  /** Where Redis is. Default `"redis://127.0.0.1:6379"`. */
  redis?: RedisTarget;
  /**
   * The pool's name: worker nodes started with the same name serve it.
   * Default `"default"`.
   */
  name?: string;
  /**
   * Times an item is tried (a throw, or its node dying, counts as one)
   * before it goes to the dead-letter stream and its call rejects.
   * Default `3`.
   */
  maxAttempts?: number;
}

/**
 * Options of `ClusterPool.apply()`.
 *
 * @example
 * ```ts
 * import type { ClusterApplyOptions } from "@mp/multiprocessing/cluster";
 * import assert from "node:assert/strict";
 *
 * const options: ClusterApplyOptions = { timeout: 60_000 };
 * assert.equal(options.timeout, 60_000);
 * ```
 */
export interface ClusterApplyOptions {
  /**
   * Stops waiting: the call rejects with `signal.reason` and entries not
   * yet claimed by a node are deleted (a running one finishes, its result
   * is dropped). Default: none.
   */
  signal?: AbortSignal;
  /**
   * Milliseconds from submission before the call is cancelled as by
   * `signal`, rejecting with a `TimeoutError`. Default: none.
   */
  timeout?: number;
}

/**
 * Options of `ClusterPool.map()` and `starmap()`.
 *
 * @example
 * ```ts
 * import type { ClusterMapOptions } from "@mp/multiprocessing/cluster";
 * import assert from "node:assert/strict";
 *
 * let last = 0;
 * const options: ClusterMapOptions = {
 *   chunksize: 100,
 *   onProgress: (done, total) => last = done / total!,
 * };
 * options.onProgress?.(50, 100);
 * assert.equal(last, 0.5);
 * ```
 */
export interface ClusterMapOptions extends ClusterApplyOptions {
  /**
   * Items per task entry. Larger chunks cost fewer Redis round trips;
   * smaller ones spread better and lose less when a node dies. Default:
   * `ceil(items / 32)`, at most 1,000.
   */
  chunksize?: number;
  /** Called as items complete with how many are done and how many there are. Default: none. */
  onProgress?: (done: number, total: number | undefined) => void;
}

/**
 * Options of `ClusterPool.imap()` and `imapUnordered()`.
 *
 * @example
 * ```ts
 * import type { ClusterImapOptions } from "@mp/multiprocessing/cluster";
 * import assert from "node:assert/strict";
 *
 * const options: ClusterImapOptions = { chunksize: 10, maxInFlight: 100 };
 * assert.equal(options.maxInFlight, 100);
 * ```
 */
export interface ClusterImapOptions {
  /** Items per task entry. Default `1` (as Python's `imap`). */
  chunksize?: number;
  /**
   * Items submitted and not yet consumed, at most: the input is read no
   * further ahead. Default `1000`.
   */
  maxInFlight?: number;
  /**
   * Stops the iteration: pending `next()` calls reject with
   * `signal.reason` and outstanding entries are cancelled. Default: none.
   */
  signal?: AbortSignal;
  /**
   * Called as items complete with how many are done and how many there are
   * (`undefined` while the input has not ended). Default: none.
   */
  onProgress?: (done: number, total: number | undefined) => void;
}

/**
 * What a `ClusterPool` caller has seen, in items.
 *
 * @example
 * ```ts
 * import type { ClusterPoolStats } from "@mp/multiprocessing/cluster";
 * import assert from "node:assert/strict";
 *
 * const stats: ClusterPoolStats = {
 *   submitted: 10, completed: 9, failed: 1, duplicates: 0, resubmitted: 0, pending: 0,
 * };
 * assert.equal(stats.completed + stats.failed, stats.submitted);
 * ```
 */
export interface ClusterPoolStats {
  /** Items submitted. */
  submitted: number;
  /** Items that succeeded. */
  completed: number;
  /** Items that failed on their last attempt. */
  failed: number;
  /** Results dropped because their item had already settled (or was cancelled). */
  duplicates: number;
  /** Items submitted again after Redis restarted without their data. */
  resubmitted: number;
  /** Items waiting for a result. */
  pending: number;
}

/**
 * An item that failed on its last attempt, as `ClusterPool.deadLetters()`
 * reads it from the pool's dead-letter stream.
 *
 * @example
 * ```ts
 * import type { DeadLetter } from "@mp/multiprocessing/cluster";
 * import assert from "node:assert/strict";
 *
 * const letter: DeadLetter = {
 *   streamId: "1700000000000-0", caller: "ab12", fn: "poison", taskId: 0,
 *   args: [7], error: new RangeError("poisoned 7"), attempts: 3, node: "node-1",
 * };
 * assert.ok(letter.error instanceof RangeError);
 * ```
 */
export interface DeadLetter {
  /** The entry's id in the dead-letter stream. */
  streamId: string;
  /** The id of the caller that submitted it (`ClusterPool.caller`). */
  caller: string;
  /** The export name of the function. */
  fn: string;
  /** The item's id within its caller. */
  taskId: number;
  /** The item's arguments. */
  args: unknown[];
  /** The last error (rebuilt with its class, message, stack and cause). */
  error: unknown;
  /** How many attempts were made. */
  attempts: number;
  /** The consumer name of the node that gave up. */
  node: string;
}
