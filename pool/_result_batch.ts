/**
 * A child's outgoing results, encoded and batched. A value crosses in
 * transferable form (numbers, primitive arrays and number chunks as they
 * are; the transfer walk is loaded on first need), an error as its record;
 * a value that cannot cross fails its task with that error instead.
 * Each result is `RESULT_WORDS` words
 * (seq, status, value, start and run time in whole microseconds), sent in
 * one `results` message per flush. A batch that cannot be cloned is sent
 * again result by result, and a result that still cannot go becomes the
 * library's `TypeError` (status `FAILED`), so every task gets an answer.
 *
 * @module
 */
import {
  errorRecord,
  isPrimitive,
  loadedTransfer,
  loadTransfer,
  primitiveArray,
} from "./_child_codec.ts";
import { ChunkOutcomes } from "./_run_chunk.ts";
import {
  type ChildMessage,
  FAILED,
  isNumberChunk,
  OK,
  RESULT_WORDS,
} from "./_protocol.ts";

/** Where a `ResultBatch` sends and what it reads. */
export interface ResultBatchOptions {
  /** Sends a message to the parent (may throw a `DataCloneError`). */
  post(message: ChildMessage): void;
  /** Milliseconds since the parent's epoch. */
  now(): number;
  /** Whether the child ended (results are dropped then). */
  ended(): boolean;
}

/** See the module note. */
export class ResultBatch {
  readonly #o: ResultBatchOptions;
  #pending: unknown[] = [];
  #lastFlush = 0;
  #lastRun = 0;

  constructor(options: ResultBatchOptions) {
    this.#o = options;
  }

  /** Results waiting to be sent. */
  get size(): number {
    return this.#pending.length / RESULT_WORDS;
  }

  /** How long the task of the latest result ran (ms). */
  get lastRun(): number {
    return this.#lastRun;
  }

  /** Milliseconds since the last flush (or since the oldest result came). */
  age(): number {
    return performance.now() - this.#lastFlush;
  }

  /**
   * Queues task `seq`'s `value` (it started at `start`); returns a promise
   * only when the transfer walk must load first.
   */
  ok(seq: number, value: unknown, start: number): Promise<void> | undefined {
    if (
      isPrimitive(value) || isNumberChunk(value) ||
      primitiveArray(value)
    ) {
      this.#push(seq, OK, value, start);
      return undefined;
    }
    const transfer = loadedTransfer();
    if (transfer === undefined) {
      return loadTransfer().then(() => this.ok(seq, value, start));
    }
    let encoded: unknown;
    try {
      encoded = value instanceof ChunkOutcomes
        ? value.encode(transfer)
        : transfer.toTransferable(value, { name: "result" });
    } catch (error) {
      this.#push(seq, FAILED, transfer.serializeError(error), start);
      return undefined;
    }
    this.#push(seq, OK, encoded, start);
    return undefined;
  }

  /** Queues task `seq`'s failure, with the full error walk (loaded first if needed). */
  fail(
    seq: number,
    status: number,
    error: unknown,
    start: number,
  ): Promise<void> | undefined {
    const transfer = loadedTransfer();
    if (transfer === undefined) {
      return loadTransfer().then(
        () => this.fail(seq, status, error, start),
        () => this.#push(seq, status, errorRecord(error), start),
      );
    }
    this.#push(seq, status, transfer.serializeError(error), start);
    return undefined;
  }

  #push(seq: number, status: number, value: unknown, start: number): void {
    if (this.#o.ended()) return;
    if (this.#pending.length === 0) this.#lastFlush = performance.now();
    const end = this.#o.now();
    this.#lastRun = end - start;
    // Times in whole microseconds: shorter as JSON, exact enough for stats.
    this.#pending.push(
      seq,
      status,
      value,
      Math.round(start * 1000),
      Math.round((end - start) * 1000),
    );
  }

  /** Sends the queued results. */
  flush(): void {
    this.#lastFlush = performance.now();
    const batch = this.#pending;
    if (batch.length === 0 || this.#o.ended()) return;
    this.#pending = [];
    try {
      this.#o.post({ t: "results", batch });
    } catch {
      // Some result cannot be cloned after all: send them one by one and
      // turn the ones that fail into the library's TypeError.
      for (let i = 0; i < batch.length; i += RESULT_WORDS) {
        const one = batch.slice(i, i + RESULT_WORDS);
        try {
          this.#o.post({ t: "results", batch: one });
        } catch (error) {
          one[1] = FAILED;
          one[2] = errorRecord(
            new TypeError(
              `Cannot send the result of task ${one[0]} to the parent: ${
                (error as Error).message
              }`,
              { cause: error },
            ),
          );
          this.#o.post({ t: "results", batch: one });
        }
      }
    }
  }
}
