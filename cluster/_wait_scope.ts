/**
 * A wait's end as one `AbortSignal`: the caller's `signal` and `timeout`
 * (ms) merged, the package's convention. An abort ends it with
 * `signal.reason`, a timeout with a `DOMException` named `"TimeoutError"`;
 * disposing the scope removes the timer and the listener.
 *
 * @module
 */

/** What every waiting call takes. */
export interface WaitOptions {
  signal?: AbortSignal;
  timeout?: number;
}

/** The merged signal of one wait; dispose it when the wait is over. */
export class WaitScope implements Disposable {
  readonly #controller = new AbortController();
  readonly #outer: AbortSignal | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #onAbort = (): void => this.#controller.abort(this.#outer?.reason);

  /**
   * @throws {RangeError} when `timeout` is not a non-negative number.
   */
  constructor(options: WaitOptions, what: string) {
    const { signal, timeout } = options;
    if (
      timeout !== undefined && (typeof timeout !== "number" || !(timeout >= 0))
    ) {
      throw new RangeError(
        `Cannot ${what} as timeout must be a non-negative number of milliseconds: received ${
          String(timeout)
        }`,
      );
    }
    this.#outer = signal;
    if (signal?.aborted) this.#controller.abort(signal.reason);
    else signal?.addEventListener("abort", this.#onAbort, { once: true });
    if (timeout !== undefined && timeout !== Infinity && !this.signal.aborted) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#controller.abort(
          new DOMException(
            `Cannot ${what} as ${timeout} ms elapsed first`,
            "TimeoutError",
          ),
        );
      }, timeout);
    }
  }

  /** Aborts when the caller's signal aborts or the timeout passes. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Removes the timer and the listener. */
  [Symbol.dispose](): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#outer?.removeEventListener("abort", this.#onAbort);
  }
}

/** `promise`, or a rejection with `signal.reason` when `signal` aborts first. */
export function abortable<T>(
  promise: Promise<T>,
  signal: AbortSignal,
): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then((value) => {
      signal.removeEventListener("abort", onAbort);
      resolve(value);
    }, (error) => {
      signal.removeEventListener("abort", onAbort);
      reject(error);
    });
  });
}

/** Resolves after `ms`, or at once when `signal` aborts (no timer left). */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
