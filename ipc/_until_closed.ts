/**
 * Reading a channel to its end: an async generator that yields what
 * `next()` resolves to until `next()` rejects with the channel's closed
 * error, which ends the iteration; any other error is rethrown. `Queue`
 * and `Connection` iterate this way (`for await`).
 *
 * @module
 */

/** Yields `next()` until it rejects with an instance of `closed`. */
export async function* untilClosed<T>(
  next: () => Promise<T>,
  closed: abstract new (...args: never[]) => Error,
): AsyncGenerator<T, void, undefined> {
  for (;;) {
    let item: T;
    try {
      item = await next();
    } catch (error) {
      if (error instanceof closed) return;
      throw error;
    }
    yield item;
  }
}
