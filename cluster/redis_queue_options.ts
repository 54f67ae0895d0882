/**
 * The options of `RedisQueue.connect()` and of its waiting calls.
 *
 * @module
 */
import type { RedisTarget } from "./redis_connection.ts";

/** Options of `RedisQueue.connect()`. */
export interface RedisQueueOptions {
  /** Where Redis is. Default `"redis://127.0.0.1:6379"`. */
  redis?: RedisTarget;
  /**
   * The most items the queue holds; `put()` waits while it is full. Fixed
   * by the first handle that names it: a handle asking for another value
   * gets a `RangeError`. Default: the queue's, else `0` (no limit).
   */
  maxsize?: number;
}

/** Options of the waiting calls (`put`, `get`). */
export interface RedisQueueWaitOptions {
  /** Stop waiting when aborted; rejects with `signal.reason`. Default: none. */
  signal?: AbortSignal;
  /**
   * Stop waiting after this many milliseconds; rejects with a
   * `DOMException` named `"TimeoutError"`. Default: wait forever.
   */
  timeout?: number;
}
