/**
 * How a worker node hands finished chunks back: in batches, one `MULTI`
 * per batch, so that a result is written if and only if its task entry is
 * acknowledged (`XACK`) and deleted (`XDEL`).
 *
 * Per chunk, each item either succeeded (its value goes to the caller), or
 * failed with attempts left (the failed items go back on the task stream
 * as a new entry with `attempt + 1`), or failed on its last attempt (a dead
 * letter, and its error goes to the caller). Outcomes are grouped into one
 * result entry per caller per batch. Chunks finishing while a batch is in
 * flight wait for the next one. A batch whose `MULTI` fails (connection
 * lost) is sent again after a pause: at-least-once, as the caller drops
 * duplicate results. Errors of single commands inside the `MULTI` (an
 * `XACK` after a restarted Redis lost the group) do not stop the others.
 *
 * @module
 */
import type { Redis } from "./_redis_client.ts";
import {
  DEAD_LETTER_CAP,
  GROUP,
  type Outcome,
  packResults,
  type PoolKeys,
  RESULT_TTL,
  type TaskEntry,
  taskFields,
} from "./_task_wire.ts";
import { pack } from "./_stored_value.ts";
import { pause } from "./_wait_scope.ts";

/** A chunk that has run. */
export interface Finished {
  streamId: string;
  task: TaskEntry;
  /** One per item of `task`, in its order. */
  outcomes: Outcome[];
}

/** What a node has done, counted in items. */
export interface FlushCounts {
  completed: number;
  failed: number;
  retried: number;
  deadLettered: number;
}

/** Batches finished chunks into `MULTI`s. */
export class Flusher {
  readonly #redis: Redis;
  readonly #keys: PoolKeys;
  readonly #consumer: string;
  readonly #onFlushed: (streamIds: string[]) => void;
  readonly counts: FlushCounts = {
    completed: 0,
    failed: 0,
    retried: 0,
    deadLettered: 0,
  };
  #pending: Finished[] = [];
  #running: Promise<void> | undefined;
  #abandoned = false;

  constructor(
    redis: Redis,
    keys: PoolKeys,
    consumer: string,
    onFlushed: (streamIds: string[]) => void,
  ) {
    this.#redis = redis;
    this.#keys = keys;
    this.#consumer = consumer;
    this.#onFlushed = onFlushed;
  }

  /** Queues a finished chunk for the next batch. */
  add(finished: Finished): void {
    this.#pending.push(finished);
    this.#running ??= this.#loop();
  }

  /** Resolves once nothing is queued or being sent. */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  /** Stops retrying failed batches (the node is going away). */
  abandon(): void {
    this.#abandoned = true;
  }

  async #loop(): Promise<void> {
    await Promise.resolve(); // let chunks finishing in this turn join
    try {
      while (this.#pending.length > 0 && !this.#abandoned) {
        const batch = this.#pending;
        this.#pending = [];
        for (let delay = 100;; delay = Math.min(delay * 2, 1000)) {
          try {
            await this.#send(batch);
            break;
          } catch {
            if (this.#abandoned) return;
            await pause(delay);
          }
        }
        this.#onFlushed(batch.map((f) => f.streamId));
      }
    } finally {
      this.#running = undefined;
    }
  }

  async #send(batch: Finished[]): Promise<void> {
    const multi = this.#redis.multi();
    const byCaller = new Map<string, Outcome[]>();
    const counts = { completed: 0, failed: 0, retried: 0, deadLettered: 0 };
    for (const { task, outcomes } of batch) {
      const out = byCaller.get(task.caller) ?? [];
      byCaller.set(task.caller, out);
      const retryIds: number[] = [];
      const retryArgs: unknown[][] = [];
      outcomes.forEach((outcome, i) => {
        if (outcome.ok) {
          counts.completed++;
          out.push(outcome);
        } else if (task.attempt < task.maxAttempts) {
          counts.retried++;
          retryIds.push(outcome.id);
          retryArgs.push(task.args[i]!);
        } else {
          counts.failed++;
          counts.deadLettered++;
          out.push(outcome);
          multi.xadd(
            this.#keys.dead,
            "MAXLEN",
            "~",
            DEAD_LETTER_CAP,
            "*",
            ...this.#deadLetter(task, outcome, task.args[i]!),
          );
        }
      });
      if (retryIds.length > 0) {
        multi.xadd(
          this.#keys.tasks,
          "*",
          ...taskFields({
            ...task,
            attempt: task.attempt + 1,
            ids: retryIds,
            args: retryArgs,
          }),
        );
      }
    }
    for (const [caller, outcomes] of byCaller) {
      if (outcomes.length === 0) continue;
      const key = this.#keys.results(caller);
      multi.xadd(key, "*", "p", packResults(outcomes));
      multi.pexpire(key, RESULT_TTL);
    }
    const ids = batch.map((f) => f.streamId);
    multi.xack(this.#keys.tasks, GROUP, ...ids);
    multi.xdel(this.#keys.tasks, ...ids);
    await multi.exec();
    this.counts.completed += counts.completed;
    this.counts.failed += counts.failed;
    this.counts.retried += counts.retried;
    this.counts.deadLettered += counts.deadLettered;
  }

  #deadLetter(task: TaskEntry, outcome: Outcome, args: unknown[]) {
    let error: ReturnType<typeof pack>;
    try {
      error = pack(outcome.value, "error");
    } catch {
      error = pack(String(outcome.value), "error");
    }
    let packedArgs: ReturnType<typeof pack>;
    try {
      packedArgs = pack(args, "args");
    } catch {
      packedArgs = pack([], "args");
    }
    return [
      "c",
      task.caller,
      "f",
      task.fn,
      "i",
      String(outcome.id),
      "a",
      String(task.attempt),
      "n",
      this.#consumer,
      "args",
      packedArgs,
      "e",
      error,
    ];
  }
}
