/**
 * How the pool retries workers that fail to start (task module, initializer):
 * each failure in a row doubles a back-off before the next spawn, from
 * `BACKOFF_MS`; after `MAX_START_FAILURES` in a row with no worker ready the
 * pool gives up, the queued tasks fail with the cause, and new work tries
 * again from scratch.
 *
 * @module
 */

/** Start failures in a row (no worker ready) before queued tasks fail. */
const MAX_START_FAILURES = 3;
/** First back-off delay after a start failure; doubles each time. */
const BACKOFF_MS = 100;

/** See the module note. */
export class StartBackoff {
  #failures = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #gaveUp = false;

  /** Whether a back-off delay is running. */
  get waiting(): boolean {
    return this.#timer !== undefined;
  }

  /** Whether spawning is on hold (a back-off runs, or the pool gave up). */
  get holding(): boolean {
    return this.#timer !== undefined || this.#gaveUp;
  }

  /** A worker came up: earlier failures no longer count. */
  ready(): void {
    this.#failures = 0;
  }

  /** New work arrived: after giving up, try starting workers again. */
  retry(): void {
    if (!this.#gaveUp) return;
    this.#gaveUp = false;
    this.#failures = 0;
  }

  /** Drops a running back-off delay. */
  cancel(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Counts a failed start. Returns the error the queued tasks fail with
   * when it is time to give up (`anyReady` false); else starts the back-off
   * (unless one runs) and calls `onEnd` once it has elapsed.
   */
  failed(
    error: unknown,
    anyReady: boolean,
    onEnd: () => void,
  ): Error | undefined {
    this.#failures++;
    if (this.#failures >= MAX_START_FAILURES && !anyReady) {
      this.#gaveUp = true;
      return new Error(
        `Cannot run the task as pool workers failed to start ${this.#failures} times in a row: ${
          (error as Error)?.message ?? String(error)
        }`,
        { cause: error },
      );
    }
    if (this.#timer !== undefined) return undefined;
    const delay = BACKOFF_MS * 2 ** (this.#failures - 1);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      onEnd();
    }, delay);
    return undefined;
  }
}
