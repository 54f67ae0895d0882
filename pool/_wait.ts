/**
 * Bounding a wait by `timeout` and `signal`, the package's convention: an
 * abort rejects with `signal.reason`, a timeout with a `DOMException` named
 * `"TimeoutError"`, and nothing (timer, listener) is left behind.
 *
 * @module
 */

/** `promise`, bounded by `timeout` (ms, `Infinity` for none) and `signal`. */
export function within<T>(
  promise: Promise<T>,
  timeout: number,
  signal: AbortSignal | undefined,
  what: string,
): Promise<T> {
  if (timeout === Infinity && signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = () => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      done();
      reject(signal!.reason);
    };
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeout !== Infinity) {
      timer = setTimeout(() => {
        done();
        reject(
          new DOMException(
            `Cannot ${what} as ${timeout} ms elapsed first`,
            "TimeoutError",
          ),
        );
      }, timeout);
    }
    promise.then((value) => {
      done();
      resolve(value);
    }, (error) => {
      done();
      reject(error);
    });
  });
}
