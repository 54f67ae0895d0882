/**
 * `imap` and `imapUnordered`: results as an async iterator, with bounded
 * work in flight so that an endless input streams in constant memory.
 *
 * The iterator pulls items from the input (any `Iterable` or
 * `AsyncIterable`) only while fewer than `bound` items are submitted and not
 * yet handed to the caller (results waiting for an earlier one, in ordered
 * mode, count too). As in Python, an item's error rejects that `next()` only:
 * later `next()` calls go on with the following items. `return()` (a `break`
 * out of `for await`) stops reading the input, drops the tasks not started
 * and ignores the results of running ones. The call's `signal` ends the
 * iteration and aborts running tasks.
 *
 * @module
 */
import { TaskGroup } from "./_pool_task.ts";
import type { FnDef } from "./_protocol.ts";
import { type CallHost, chunkOutcomes, type Outcome } from "./_map_call.ts";

/** What an `imap` call is asked to do. */
export interface ImapCall {
  ordered: boolean;
  star: boolean;
  chunksize: number;
  signal: AbortSignal | undefined;
  onProgress: ((done: number, total: number | undefined) => void) | undefined;
}

/** Tasks (chunks) per worker the iterator keeps in flight at most. */
const CHUNKS_PER_WORKER = 64;

interface Waiter {
  resolve(result: IteratorResult<unknown>): void;
  reject(error: unknown): void;
}

/** See the module note. */
export class ImapIterator<R> implements AsyncIterableIterator<R> {
  readonly #host: CallHost;
  readonly #def: FnDef;
  readonly #call: ImapCall;
  readonly #input: Iterable<unknown> | AsyncIterable<unknown>;
  readonly #group = new TaskGroup();
  readonly #bound: number;
  #source: Iterator<unknown> | AsyncIterator<unknown> | undefined;
  #sourceDone = false;
  #sourceError: { error: unknown } | undefined;
  #closed = false;
  #failure: { error: unknown } | undefined;
  #submitted = 0;
  #yielded = 0;
  #settledItems = 0;
  #cursor = 0;
  readonly #buffer = new Map<number, Outcome>();
  readonly #ready: Outcome[] = [];
  #readyHead = 0;
  readonly #waiters: Waiter[] = [];
  #pumping = false;
  #release: (() => void) | undefined;

  constructor(
    host: CallHost,
    def: FnDef,
    input: Iterable<unknown> | AsyncIterable<unknown>,
    call: ImapCall,
  ) {
    this.#host = host;
    this.#def = def;
    this.#input = input;
    this.#call = call;
    this.#bound = host.processes * CHUNKS_PER_WORKER * call.chunksize;
    this.#release = host.hold();
    const signal = call.signal;
    if (signal !== undefined) {
      const onAbort = () => this.#abort(signal.reason);
      if (signal.aborted) this.#failure = { error: signal.reason };
      else signal.addEventListener("abort", onAbort, { once: true });
      this.#detach = () => signal.removeEventListener("abort", onAbort);
    }
  }

  #detach: () => void = () => {};

  /** Input fully submitted (or the iteration stopped): `join()` may end. */
  #fed(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<R> {
    return this;
  }

  /** The next result (in input order for `imap`). */
  next(): Promise<IteratorResult<R>> {
    return new Promise<IteratorResult<unknown>>((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#deliver();
      void this.#pump();
    }) as Promise<IteratorResult<R>>;
  }

  /** Stops early: no more input is read, tasks not started are dropped. */
  async return(value?: unknown): Promise<IteratorResult<R>> {
    if (!this.#closed) {
      this.#closed = true;
      this.#detach();
      this.#host.cancel(
        this.#group,
        new DOMException("The imap iteration was stopped", "AbortError"),
        false,
      );
      this.#finishWaiters();
      const source = this.#source;
      this.#source = undefined;
      this.#sourceDone = true;
      await source?.return?.();
    }
    return { done: true, value: value as R };
  }

  #abort(reason: unknown): void {
    if (this.#closed) return;
    this.#failure = { error: reason };
    this.#host.cancel(this.#group, reason, true);
    this.#deliver();
    void this.return();
  }

  #finishWaiters(): void {
    this.#fed();
    for (const waiter of this.#waiters.splice(0)) {
      if (this.#failure !== undefined) waiter.reject(this.#failure.error);
      else waiter.resolve({ done: true, value: undefined });
    }
  }

  #take(): Outcome | undefined {
    if (this.#call.ordered) {
      const outcome = this.#buffer.get(this.#cursor);
      if (outcome !== undefined) {
        this.#buffer.delete(this.#cursor++);
      }
      return outcome;
    }
    if (this.#readyHead < this.#ready.length) {
      const outcome = this.#ready[this.#readyHead]!;
      this.#ready[this.#readyHead++] = undefined as unknown as Outcome;
      if (this.#readyHead === this.#ready.length) {
        this.#ready.length = 0;
        this.#readyHead = 0;
      }
      return outcome;
    }
    return undefined;
  }

  #deliver(): void {
    while (this.#waiters.length > 0) {
      if (this.#failure !== undefined) {
        this.#closed = true;
        this.#finishWaiters();
        return;
      }
      const outcome = this.#take();
      if (outcome !== undefined) {
        this.#yielded++;
        const waiter = this.#waiters.shift()!;
        if (outcome.ok) waiter.resolve({ done: false, value: outcome.value });
        else waiter.reject(outcome.error);
        continue;
      }
      if (this.#sourceDone && this.#yielded === this.#submitted) {
        const error = this.#sourceError;
        this.#sourceError = undefined;
        if (error !== undefined) {
          this.#waiters.shift()!.reject(error.error);
          continue;
        }
        this.#closed = true;
        this.#detach();
        this.#finishWaiters();
      }
      return;
    }
  }

  #place(index: number, outcome: Outcome): void {
    if (this.#call.ordered) this.#buffer.set(index, outcome);
    else this.#ready.push(outcome);
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      this.#source ??= Symbol.asyncIterator in this.#input
        ? (this.#input as AsyncIterable<unknown>)[Symbol.asyncIterator]()
        : (this.#input as Iterable<unknown>)[Symbol.iterator]();
      while (
        !this.#closed && !this.#sourceDone &&
        this.#submitted - this.#yielded < this.#bound
      ) {
        const items: unknown[] = [];
        while (items.length < this.#call.chunksize) {
          let step: IteratorResult<unknown>;
          try {
            step = await this.#source!.next();
          } catch (error) {
            this.#sourceError = { error };
            this.#sourceDone = true;
            break;
          }
          if (this.#closed) return;
          if (step.done) {
            this.#sourceDone = true;
            break;
          }
          items.push(step.value);
        }
        if (items.length > 0) await this.#submit(items);
      }
    } catch (error) {
      this.#failure ??= { error };
    } finally {
      this.#pumping = false;
    }
    if (this.#sourceDone || this.#closed) this.#fed();
    this.#deliver();
  }

  async #submit(items: unknown[]): Promise<void> {
    while (!this.#host.hasRoom()) {
      await this.#host.settled();
      if (this.#closed) return;
    }
    const start = this.#submitted;
    const count = items.length;
    this.#submitted += count;
    const onOutcomes = (outcomes: Outcome[]) => {
      if (this.#closed) return;
      for (let i = 0; i < count; i++) this.#place(start + i, outcomes[i]!);
      this.#settledItems += count;
      this.#call.onProgress?.(
        this.#settledItems,
        this.#sourceDone ? this.#submitted : undefined,
      );
      this.#deliver();
      void this.#pump();
    };
    this.#host.submitChunk(
      this.#def,
      this.#call.star,
      items,
      this.#group,
      (value) => onOutcomes(chunkOutcomes(value, count)),
      (error) => onOutcomes(new Array(count).fill({ ok: false, error })),
    );
  }
}
