/**
 * A caller's side of its result stream: one loop that waits on
 * `XREAD BLOCK … <last id>` on a connection of its own, hands each
 * batch of outcomes to the pool, and trims what it has read (`XTRIM MINID
 * <last id>`, which keeps only the last entry read). Only this caller reads
 * the stream, so no consumer group is needed.
 *
 * The loop survives reconnects (ioredis sends the blocked read again). After
 * a Redis restart the cursor is reset to `0`, so a stream restored from a
 * snapshot is read from its start (the pool drops results it already has).
 * `stop()` cuts the read short (see `_blocking.ts`) and still hands over a
 * batch that arrived meanwhile.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import { BLOCK_SLICE_MS, type BlockingConnection } from "./_blocking.ts";
import type { Redis } from "./_redis_client.ts";
import { type Outcome, parseResults } from "./_task_wire.ts";
import { pause } from "./_wait_scope.ts";

type ReadReply = [Buffer, [Buffer, Buffer[]][]][] | null;

/** Reads one caller's results. */
export class ResultReader {
  readonly #blocking: BlockingConnection;
  readonly #control: Redis;
  readonly #key: string;
  readonly #onResults: (outcomes: Outcome[]) => void;
  readonly #stop = new AbortController();
  #cursor = "0";
  #loop: Promise<void> | undefined;

  constructor(
    blocking: BlockingConnection,
    control: Redis,
    key: string,
    onResults: (outcomes: Outcome[]) => void,
  ) {
    this.#blocking = blocking;
    this.#control = control;
    this.#key = key;
    this.#onResults = onResults;
  }

  /** Starts the loop. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Reads from the start of the stream next time (after a restart). */
  resetCursor(): void {
    this.#cursor = "0";
  }

  /** Stops the loop and waits for it. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      let reply: ReadReply | undefined;
      try {
        const cursor = this.#cursor;
        const read = await this.#blocking.run(
          (redis) =>
            redis.xreadBuffer(
              "COUNT",
              1000,
              "BLOCK",
              BLOCK_SLICE_MS,
              "STREAMS",
              this.#key,
              cursor,
            ) as Promise<ReadReply>,
          signal,
        );
        reply = read.aborted ? await read.late : read.value;
      } catch {
        if (signal.aborted) return;
        await pause(100, signal);
        continue;
      }
      if (reply === null || reply === undefined) continue;
      let last: string | undefined;
      const outcomes: Outcome[] = [];
      for (const [, entries] of reply) {
        for (const [id, fields] of entries) {
          last = id.toString();
          for (let i = 0; i + 1 < fields.length; i += 2) {
            if (fields[i]!.toString() !== "p") continue;
            try {
              outcomes.push(...parseResults(fields[i + 1]!));
            } catch {
              // not a result of this package: skip it
            }
          }
        }
      }
      if (last === undefined) continue;
      this.#cursor = last;
      this.#control.xtrim(this.#key, "MINID", last).catch(() => {});
      this.#onResults(outcomes);
    }
  }
}
