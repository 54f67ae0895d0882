/**
 * Options of the calls of `Connection` that wait or block.
 *
 * @module
 */

/** Options of the waiting calls of `Connection`. */
export interface ConnectionWaitOptions {
  /** Stop waiting when aborted; rejects with `signal.reason`. */
  signal?: AbortSignal;
  /**
   * Stop waiting after this many milliseconds; rejects with a
   * `DOMException` named `"TimeoutError"`. Default: wait forever.
   */
  timeout?: number;
}

/** Options of the blocking calls of `Connection`. */
export interface ConnectionSyncOptions {
  /**
   * Stop waiting after this many milliseconds; throws a `DOMException`
   * named `"TimeoutError"`. Default: wait forever.
   */
  timeout?: number;
}

/** Options of `Connection.poll()`. */
export interface PollOptions {
  /** Stop waiting when aborted; rejects with `signal.reason`. */
  signal?: AbortSignal;
  /**
   * How long to wait for a message, in milliseconds: `0` (the default, as
   * in Python) does not wait, `Infinity` waits until one arrives.
   */
  timeout?: number;
}
