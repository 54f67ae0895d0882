/**
 * `AsyncResult`: the handle `applyAsync`, `mapAsync` and `starmapAsync`
 * return, Python's `multiprocessing.pool.AsyncResult`.
 *
 * @module
 */
import { checkWaitOptions } from "../sync/_futex.ts";
import { within } from "./_wait.ts";
import type { JoinOptions } from "./process.ts";

/** Python's `callback` and `error_callback`. */
export interface AsyncResultCallbacks<T> {
  /** Called with the value when it succeeds. Default: none. */
  callback?: (value: T) => void;
  /** Called with the error when it fails. Default: none. */
  errorCallback?: (error: unknown) => void;
}

/**
 * The eventual result of a task. Also a `PromiseLike`, so it can be awaited.
 * A failure that nobody asks for is not an unhandled rejection.
 *
 * @example Python's apply_async / get / successful
 * ```ts
 * import { Pool } from "@mp/multiprocessing/pool";
 * import assert from "node:assert/strict";
 *
 * await using pool = new Pool({
 *   processes: 2,
 *   module: new URL("../tests/fixtures/pool_tasks.ts", import.meta.url),
 * });
 * const result = pool.applyAsync("square", [7]);
 * assert.equal(await result.get({ timeout: 10_000 }), 49);
 * assert.equal(result.ready(), true);
 * assert.equal(result.successful(), true);
 * assert.equal(await result, 49);
 * ```
 */
export class AsyncResult<T> implements PromiseLike<T> {
  readonly #promise: Promise<T>;
  #state: "pending" | "fulfilled" | "rejected" = "pending";

  /**
   * Wraps an eventual value.
   *
   * @param value The promise of the value.
   * @param callbacks Called once it settles.
   */
  constructor(value: PromiseLike<T>, callbacks: AsyncResultCallbacks<T> = {}) {
    const { callback, errorCallback } = callbacks;
    this.#promise = Promise.resolve(value).then((v) => {
      this.#state = "fulfilled";
      if (callback !== undefined) queueMicrotask(() => callback(v));
      return v;
    }, (error) => {
      this.#state = "rejected";
      if (errorCallback !== undefined) {
        queueMicrotask(() => errorCallback(error));
      }
      throw error;
    });
    this.#promise.catch(() => {});
  }

  /**
   * Waits for the value.
   *
   * @param options `timeout` (ms) and `signal` of the wait; the task goes on
   * when the wait gives up.
   * @returns The value.
   * @throws {unknown} The task's error.
   * @throws {DOMException} `TimeoutError` when `timeout` elapses first.
   * @throws {RangeError} When `timeout` is negative.
   *
   * @example
   * ```ts
   * import { AsyncResult } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   *
   * const never = new AsyncResult(new Promise<number>(() => {}));
   * await assert.rejects(never.get({ timeout: 5 }), { name: "TimeoutError" });
   * ```
   */
  async get(options?: JoinOptions): Promise<T> {
    const timeout = checkWaitOptions("get AsyncResult", options);
    return await within(
      this.#promise,
      timeout,
      options?.signal,
      "get AsyncResult",
    );
  }

  /**
   * Waits until the value or the error is there, without throwing the error.
   *
   * @param options `timeout` (ms) and `signal` of the wait.
   * @throws {DOMException} `TimeoutError` when `timeout` elapses first.
   *
   * @example
   * ```ts
   * import { AsyncResult } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   *
   * const failed = new AsyncResult(Promise.reject(new Error("no")));
   * await failed.wait();
   * assert.equal(failed.successful(), false);
   * ```
   */
  async wait(options?: JoinOptions): Promise<void> {
    const timeout = checkWaitOptions("wait for AsyncResult", options);
    await within(
      this.#promise.then(() => {}, () => {}),
      timeout,
      options?.signal,
      "wait for AsyncResult",
    );
  }

  /**
   * Whether the task has settled.
   *
   * @returns `true` once there is a value or an error.
   *
   * @example
   * ```ts
   * import { AsyncResult } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   *
   * const result = new AsyncResult(Promise.resolve(1));
   * assert.equal(result.ready(), false); // settles on a later microtask
   * await result;
   * assert.equal(result.ready(), true);
   * ```
   */
  ready(): boolean {
    return this.#state !== "pending";
  }

  /**
   * Whether the task succeeded.
   *
   * @returns `true` when it has a value, `false` when it failed.
   * @throws {Error} When it has not settled yet (as Python's `ValueError`).
   *
   * @example
   * ```ts
   * import { AsyncResult } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   *
   * const result = new AsyncResult(new Promise(() => {}));
   * assert.throws(() => result.successful(), /not ready/);
   * ```
   */
  successful(): boolean {
    if (this.#state === "pending") {
      throw new Error(
        "Cannot tell whether AsyncResult succeeded as it is not ready: await wait() first",
      );
    }
    return this.#state === "fulfilled";
  }

  /**
   * Lets `await result` and `.then()` work.
   *
   * @param onfulfilled Called with the value.
   * @param onrejected Called with the error.
   * @returns A promise of what the callback returns.
   *
   * @example
   * ```ts
   * import { AsyncResult } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   *
   * assert.equal(await new AsyncResult(Promise.resolve(2)).then((v) => v * 2), 4);
   * ```
   */
  then<A = T, B = never>(
    onfulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#promise.then(onfulfilled, onrejected);
  }
}
