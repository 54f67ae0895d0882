/**
 * The iterator behind `ClusterPool.imap()` and `imapUnordered()`: a feeder
 * that pulls items from the input (any sync or async iterable, possibly
 * endless) `chunksize` at a time and submits each chunk, while fewer than
 * `maxInFlight` items are submitted and not yet handed out (backpressure,
 * and bounded memory for results waiting behind a slow one in ordered
 * mode). `next()` hands out results in input order (`imap`) or in
 * completion order (`imapUnordered`); a failed item rejects that one
 * `next()` call and the iteration goes on, as Python's `imap` does.
 *
 * `return()` (a `break` out of `for await`) and the signal cancel what is
 * still outstanding; an input that throws ends the iteration with that
 * error once the results before it are out.
 *
 * @module
 */

/** A submitted chunk, as the pool identifies it. */
export type ChunkHandle = object;

/** What the iterator needs from the pool. */
export interface ImapHost {
  /**
   * Submits one chunk (one argument list per item); `settle` is called once
   * per item with its index in the chunk.
   *
   * @throws what submitting throws (closed pool, an unencodable item).
   */
  submit(
    args: unknown[][],
    settle: (index: number, ok: boolean, value: unknown) => void,
  ): ChunkHandle;
  /** Cancels a chunk's outstanding items. */
  cancel(chunk: ChunkHandle): void;
}

/** How the iterator runs. */
export interface ImapPlan {
  ordered: boolean;
  star: boolean;
  chunksize: number;
  maxInFlight: number;
  signal: AbortSignal | undefined;
  onProgress: ((done: number, total: number | undefined) => void) | undefined;
}

interface Slot {
  state: 0 | 1 | 2; // pending, ok, failed
  value: unknown;
}

/** Results of one `imap` call. */
export class ImapIterator<R> implements AsyncIterableIterator<R> {
  readonly #host: ImapHost;
  readonly #plan: ImapPlan;
  readonly #input: AsyncIterator<unknown> | Iterator<unknown>;
  readonly #chunks = new Set<ChunkHandle>();
  #slots: Slot[] = [];
  #head = 0;
  #ready: Slot[] = [];
  #inFlight = 0;
  #submitted = 0;
  #done = 0;
  #exhausted = false;
  #feeding = false;
  #stopError: { error: unknown } | undefined;
  #finished = false;
  #waiters: (() => void)[] = [];
  readonly #onAbort = (): void =>
    this.#stop({ error: this.#plan.signal?.reason });

  constructor(
    host: ImapHost,
    items: Iterable<unknown> | AsyncIterable<unknown>,
    plan: ImapPlan,
  ) {
    this.#host = host;
    this.#plan = plan;
    this.#input = Symbol.asyncIterator in items
      ? (items as AsyncIterable<unknown>)[Symbol.asyncIterator]()
      : (items as Iterable<unknown>)[Symbol.iterator]();
    if (plan.signal?.aborted) this.#onAbort();
    else plan.signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<R> {
    return this;
  }

  /** The next result; rejects with a failed item's error and goes on. */
  async next(): Promise<IteratorResult<R>> {
    for (;;) {
      if (this.#finished) return { done: true, value: undefined };
      const slot = this.#take();
      if (slot !== undefined) {
        this.#inFlight--;
        this.#feed();
        if (slot.state === 2) throw slot.value;
        return { done: false, value: slot.value as R };
      }
      if (this.#stopError !== undefined) {
        this.#finish();
        throw this.#stopError.error;
      }
      if (this.#exhausted && this.#inFlight === 0) {
        this.#finish();
        return { done: true, value: undefined };
      }
      this.#feed();
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Stops the iteration and cancels what is outstanding. */
  return(): Promise<IteratorResult<R>> {
    this.#cancelAll();
    this.#finish();
    return Promise.resolve({ done: true, value: undefined });
  }

  #take(): Slot | undefined {
    if (!this.#plan.ordered) return this.#ready.shift();
    const slot = this.#slots[this.#head];
    if (slot === undefined || slot.state === 0) return undefined;
    this.#slots[this.#head++] = undefined as unknown as Slot;
    if (this.#head > 1024 && this.#head * 2 > this.#slots.length) {
      this.#slots = this.#slots.slice(this.#head);
      this.#head = 0;
    }
    return slot;
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#plan.signal?.removeEventListener("abort", this.#onAbort);
    this.#notify();
    if (!this.#exhausted) {
      this.#exhausted = true;
      void Promise.resolve(this.#input.return?.()).catch(() => {});
    }
  }

  #stop(reason: { error: unknown }): void {
    this.#stopError ??= reason;
    this.#cancelAll();
    this.#notify();
  }

  #cancelAll(): void {
    for (const chunk of this.#chunks) this.#host.cancel(chunk);
    this.#chunks.clear();
  }

  #feed(): void {
    if (
      this.#feeding || this.#exhausted || this.#stopError !== undefined ||
      this.#inFlight >= this.#plan.maxInFlight
    ) return;
    this.#feeding = true;
    this.#pump().catch((error) => this.#stop({ error })).finally(() => {
      this.#feeding = false;
      this.#notify();
    });
  }

  async #pump(): Promise<void> {
    const { chunksize, maxInFlight } = this.#plan;
    while (
      !this.#exhausted && !this.#finished && this.#stopError === undefined &&
      this.#inFlight < maxInFlight
    ) {
      const items: unknown[] = [];
      const room = Math.min(chunksize, maxInFlight - this.#inFlight);
      while (items.length < room) {
        const step = await this.#input.next();
        if (step.done) {
          this.#exhausted = true;
          break;
        }
        items.push(step.value);
      }
      if (this.#finished || this.#stopError !== undefined) return;
      if (items.length > 0) this.#submit(items);
      this.#notify();
    }
  }

  #submit(items: unknown[]): void {
    const args = items.map((item, i) => {
      if (!this.#plan.star) return [item];
      if (!Array.isArray(item)) {
        throw new TypeError(
          `Cannot run ClusterPool.starmap as item ${
            this.#submitted + i
          } is not an argument array: received ${typeof item}`,
        );
      }
      return item;
    });
    const slots: Slot[] = items.map(() => ({ state: 0, value: undefined }));
    let left = items.length;
    const chunk = this.#host.submit(args, (index, ok, value) => {
      const slot = slots[index]!;
      slot.state = ok ? 1 : 2;
      slot.value = value;
      if (!this.#plan.ordered) this.#ready.push(slot);
      this.#done++;
      if (--left === 0) this.#chunks.delete(chunk);
      this.#plan.onProgress?.(
        this.#done,
        this.#exhausted ? this.#submitted : undefined,
      );
      this.#notify();
    });
    this.#chunks.add(chunk);
    if (this.#plan.ordered) this.#slots.push(...slots);
    this.#submitted += items.length;
    this.#inFlight += items.length;
  }
}
