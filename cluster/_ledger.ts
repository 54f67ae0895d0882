/**
 * A caller's book of the items it has in flight.
 *
 * Each call is cut into chunks; a chunk is one task entry on the stream and
 * its items get ids from the caller's own counter. The book maps every
 * unsettled id to its chunk and index: a result settles the item once and
 * is then forgotten, so a second result for the same id (a task run twice
 * after a node was presumed dead, or resubmitted after a Redis data loss)
 * finds nothing and is counted as a duplicate. Cancelling a chunk forgets
 * its ids and deletes its entry (`XDEL`) so that a node that has not
 * claimed it never runs it. After a data loss, `resubmit()` adds a new
 * entry with each chunk's unsettled items. Entries are added with `XADD`
 * on the auto-pipelined command connection, so the chunks of one call go
 * out in one round trip.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import { RemoteError } from "../pool/errors.ts";
import type { Redis } from "./_redis_client.ts";
import { type Outcome, type PoolKeys, taskFields } from "./_task_wire.ts";

/** A function as nodes find it: export name and source hash. */
export interface FnRef {
  name: string;
  hash: string;
}

/** One task entry's worth of items of one call. */
export interface Chunk {
  ids: number[];
  left: number;
  args: unknown[][];
  fn: FnRef;
  streamId: string | undefined;
  settle: (index: number, ok: boolean, value: unknown) => void;
}

/** Counters of the book, in items. */
export interface LedgerCounts {
  submitted: number;
  completed: number;
  failed: number;
  duplicates: number;
  resubmitted: number;
}

/** The items a caller is waiting for. */
export class Ledger {
  readonly #redis: Redis;
  readonly #keys: PoolKeys;
  readonly #caller: string;
  readonly #maxAttempts: number;
  readonly #waiting = new Map<number, { chunk: Chunk; index: number }>();
  readonly #chunks = new Set<Chunk>();
  readonly counts: LedgerCounts = {
    submitted: 0,
    completed: 0,
    failed: 0,
    duplicates: 0,
    resubmitted: 0,
  };
  #nextId = 0;
  #idleWaiters: (() => void)[] = [];
  /** Once set, cancelled entries are no longer deleted (connection gone). */
  closed = false;

  constructor(
    redis: Redis,
    keys: PoolKeys,
    caller: string,
    maxAttempts: number,
  ) {
    this.#redis = redis;
    this.#keys = keys;
    this.#caller = caller;
    this.#maxAttempts = maxAttempts;
  }

  /** Items waiting for a result. */
  get pending(): number {
    return this.#waiting.size;
  }

  /**
   * Records a chunk and sends its entry.
   *
   * @throws {TypeError} when an argument cannot be encoded (nothing sent).
   */
  submit(fn: FnRef, args: unknown[][], settle: Chunk["settle"]): Chunk {
    const ids = args.map((_, i) => this.#nextId + i);
    const fields = this.#fields(fn, ids, args);
    this.#nextId += ids.length;
    const chunk: Chunk = {
      ids,
      left: ids.length,
      args,
      fn,
      streamId: undefined,
      settle,
    };
    ids.forEach((id, index) => this.#waiting.set(id, { chunk, index }));
    this.#chunks.add(chunk);
    this.counts.submitted += ids.length;
    this.#send(chunk, fields);
    return chunk;
  }

  /** Forgets a chunk's unsettled items and deletes its entry. */
  cancel(chunk: Chunk): void {
    if (!this.#chunks.delete(chunk)) return;
    for (const id of chunk.ids) {
      if (this.#waiting.get(id)?.chunk === chunk) this.#waiting.delete(id);
    }
    if (chunk.streamId !== undefined && !this.closed) {
      this.#redis.xdel(this.#keys.tasks, chunk.streamId).catch(() => {});
    }
    if (this.#waiting.size === 0) this.#wakeIdle();
  }

  /** Cancels every chunk and settles its items with `error`. */
  failAll(error: unknown): void {
    for (const chunk of [...this.#chunks]) this.#fail(chunk, error);
  }

  #fail(chunk: Chunk, error: unknown): void {
    const open = chunk.ids.flatMap((id, i) =>
      this.#waiting.get(id)?.chunk === chunk ? [i] : []
    );
    this.cancel(chunk);
    for (const i of open) chunk.settle(i, false, error);
  }

  /** Settles the items of a batch of results; unknown ids are duplicates. */
  onResults(outcomes: Outcome[]): void {
    for (const { id, ok, value } of outcomes) {
      const waiting = this.#waiting.get(id);
      if (waiting === undefined) {
        this.counts.duplicates++;
        continue;
      }
      this.#waiting.delete(id);
      const { chunk, index } = waiting;
      if (--chunk.left === 0) this.#chunks.delete(chunk);
      if (ok) this.counts.completed++;
      else this.counts.failed++;
      chunk.settle(index, ok, ok ? value : new RemoteError(value));
    }
    if (this.#waiting.size === 0) this.#wakeIdle();
  }

  /** Sends a new entry for the unsettled items of every chunk. */
  resubmit(): void {
    for (const chunk of [...this.#chunks]) {
      const ids: number[] = [];
      const args: unknown[][] = [];
      chunk.ids.forEach((id, i) => {
        if (this.#waiting.get(id)?.chunk !== chunk) return;
        ids.push(id);
        args.push(chunk.args[i]!);
      });
      if (ids.length === 0) continue;
      this.counts.resubmitted += ids.length;
      this.#send(chunk, this.#fields(chunk.fn, ids, args));
    }
  }

  /** Resolves once no item is waiting. */
  async idle(): Promise<void> {
    while (this.#waiting.size > 0) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
  }

  #fields(fn: FnRef, ids: number[], args: unknown[][]): (string | Buffer)[] {
    return taskFields({
      caller: this.#caller,
      fn: fn.name,
      hash: fn.hash,
      attempt: 1,
      maxAttempts: this.#maxAttempts,
      ids,
      args,
    });
  }

  #send(chunk: Chunk, fields: (string | Buffer)[]): void {
    this.#redis.xadd(this.#keys.tasks, "*", ...fields).then((id) => {
      if (id !== null) chunk.streamId = id;
    }, (error) => {
      if (this.#chunks.has(chunk)) this.#fail(chunk, error);
    });
  }

  #wakeIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
