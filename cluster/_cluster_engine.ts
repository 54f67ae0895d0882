/**
 * The engine behind `ClusterPool`, which is the documented surface over
 * it: one caller's command connection and blocking connection, the reader
 * of its result stream, the ledger of its items in flight, and its state
 * machine (`open` → `closing` on `close()` or `terminate()` → `ended` once
 * the connections are torn down, which happens once). Calls go through
 * `#submit`, which refuses work once the pool is not open. When Redis
 * loses its data (the caller's marker key is gone), the result cursor is
 * reset, the consumer group made again, and every unsettled item
 * resubmitted.
 *
 * @module
 */
import { PoolClosedError } from "../pool/errors.ts";
import type { TaskFunction } from "../pool/process.ts";
import type { MapItems } from "../pool/pool_options.ts";
import { BlockingConnection } from "./_blocking.ts";
import {
  checkCount,
  checkIterable,
  runMap,
  toFnRef,
} from "./_cluster_calls.ts";
import {
  type ChunkHandle,
  type ImapHost,
  ImapIterator,
} from "./_cluster_imap.ts";
import { type Chunk, type FnRef, Ledger } from "./_ledger.ts";
import {
  closeRedis,
  type Connected,
  openRedis,
  watchDataLoss,
} from "./_redis_client.ts";
import { ResultReader } from "./_result_reader.ts";
import { unpack } from "./_stored_value.ts";
import {
  ensureGroup,
  fieldMap,
  type PoolKeys,
  poolKeys,
} from "./_task_wire.ts";
import { WaitScope } from "./_wait_scope.ts";
import type { RedisTarget } from "./redis_connection.ts";
import type {
  ClusterApplyOptions,
  ClusterImapOptions,
  ClusterMapOptions,
  ClusterPoolStats,
  DeadLetter,
} from "./cluster_pool_options.ts";

/** One connected caller of a cluster pool. */
export class ClusterEngine {
  readonly name: string;
  readonly caller: string;
  readonly #keys: PoolKeys;
  readonly #conn: Connected;
  readonly #reader: ResultReader;
  readonly #blocking: BlockingConnection;
  readonly #ledger: Ledger;
  #state: "open" | "closing" | "ended" = "open";
  #ended: Promise<void> | undefined;

  private constructor(
    name: string,
    caller: string,
    maxAttempts: number,
    conn: Connected,
    blocking: BlockingConnection,
  ) {
    this.name = name;
    this.caller = caller;
    this.#keys = poolKeys(name);
    this.#conn = conn;
    this.#blocking = blocking;
    this.#ledger = new Ledger(conn.redis, this.#keys, caller, maxAttempts);
    this.#reader = new ResultReader(
      blocking,
      conn.redis,
      this.#keys.results(caller),
      (outcomes) => this.#ledger.onResults(outcomes),
    );
  }

  /** Connects a caller (options already checked) and starts its reader. */
  static async open(
    target: RedisTarget | undefined,
    name: string,
    maxAttempts: number,
  ): Promise<ClusterEngine> {
    const caller = crypto.randomUUID().replaceAll("-", "").slice(0, 16);
    const what = `ClusterPool "${name}"`;
    const conn = await openRedis(target, what, `mp-caller-${caller}`);
    let blocking: BlockingConnection | undefined;
    try {
      blocking = await BlockingConnection.open(target, what, conn.redis);
      await ensureGroup(conn.redis, poolKeys(name).tasks);
      const engine = new ClusterEngine(
        name,
        caller,
        maxAttempts,
        conn,
        blocking,
      );
      await watchDataLoss(
        conn.redis,
        engine.#keys.marker(caller),
        () => engine.#onDataLoss(),
      );
      engine.#reader.start();
      return engine;
    } catch (error) {
      await blocking?.close();
      await closeRedis(conn.redis);
      throw error;
    }
  }

  /** Counters of this caller, in items. */
  get stats(): ClusterPoolStats {
    return { ...this.#ledger.counts, pending: this.#ledger.pending };
  }

  /** The body of `ClusterPool.apply()`. */
  apply(
    fn: TaskFunction | string,
    args: unknown[],
    options: ClusterApplyOptions,
    what: string,
  ): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const ref = toFnRef(fn, what);
      if (!Array.isArray(args)) {
        throw new TypeError(
          `Cannot ${what} as args must be an array: received ${typeof args}`,
        );
      }
      const scope = new WaitScope(options, what);
      const signal = scope.signal;
      if (signal.aborted) {
        scope[Symbol.dispose]();
        return reject(signal.reason);
      }
      const onAbort = () => {
        this.#ledger.cancel(chunk);
        scope[Symbol.dispose]();
        reject(signal.reason);
      };
      let chunk: Chunk;
      try {
        chunk = this.#submit(ref, [args], (_, ok, value) => {
          signal.removeEventListener("abort", onAbort);
          scope[Symbol.dispose]();
          if (ok) resolve(value);
          else reject(value);
        }, what);
      } catch (error) {
        scope[Symbol.dispose]();
        throw error;
      }
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** The body of `ClusterPool.map()` and `starmap()`. */
  map(
    fn: TaskFunction | string,
    items: MapItems<unknown>,
    options: ClusterMapOptions,
    star: boolean,
    what: string,
  ): Promise<unknown[]> {
    return runMap(
      {
        submit: (ref, args, settle) => this.#submit(ref, args, settle, what),
        cancel: (chunk) => this.#ledger.cancel(chunk),
      },
      fn,
      items,
      options,
      star,
      what,
    );
  }

  /** The body of `ClusterPool.imap()` and `imapUnordered()`. */
  imap<R>(
    fn: TaskFunction | string,
    items: MapItems<unknown>,
    options: ClusterImapOptions,
    ordered: boolean,
    what: string,
  ): AsyncIterableIterator<R> {
    const ref = toFnRef(fn, what);
    checkIterable(items, what);
    const chunksize = checkCount(options.chunksize, what, "chunksize") ?? 1;
    const maxInFlight = checkCount(options.maxInFlight, what, "maxInFlight") ??
      1000;
    if (this.#state !== "open") {
      throw new PoolClosedError(`Cannot ${what} as the pool is closed`);
    }
    const host: ImapHost = {
      submit: (args, settle) => this.#submit(ref, args, settle, what),
      cancel: (chunk: ChunkHandle) => this.#ledger.cancel(chunk as Chunk),
    };
    return new ImapIterator<R>(host, items, {
      ordered,
      star: false,
      chunksize,
      maxInFlight: Math.max(maxInFlight, chunksize),
      signal: options.signal,
      onProgress: options.onProgress,
    });
  }

  /** The body of `ClusterPool.deadLetters()`. */
  async deadLetters(options: { count?: number }): Promise<DeadLetter[]> {
    const count = options.count ?? 100;
    const rows = await this.#conn.redis.xrangeBuffer(
      this.#keys.dead,
      "-",
      "+",
      "COUNT",
      count,
    ) as [Buffer, Buffer[]][];
    return rows.map(([id, fields]) => {
      const map = fieldMap(fields);
      const text = (key: string) => map.get(key)?.toString() ?? "";
      const bytes = (key: string) => {
        const value = map.get(key);
        return value === undefined ? undefined : unpack(value);
      };
      return {
        streamId: id.toString(),
        caller: text("c"),
        fn: text("f"),
        taskId: Number(text("i")),
        attempts: Number(text("a")),
        node: text("n"),
        args: (bytes("args") ?? []) as unknown[],
        error: bytes("e"),
      };
    });
  }

  /** Stops taking new work. */
  close(): void {
    if (this.#state === "open") this.#state = "closing";
  }

  /** Waits for every item to settle, then tears down. */
  async join(): Promise<void> {
    if (this.#state === "open") {
      throw new Error(
        "Cannot join ClusterPool as it is open; call close() first",
      );
    }
    await this.#ledger.idle();
    await this.#end();
  }

  /** Fails everything outstanding, then tears down. */
  async terminate(): Promise<void> {
    this.#state = "closing";
    const error = new PoolClosedError(
      "Cannot finish the task as the ClusterPool was terminated",
    );
    this.#ledger.failAll(error);
    await this.#end();
  }

  #end(): Promise<void> {
    this.#ended ??= (async () => {
      this.#state = "ended";
      await this.#reader.stop();
      this.#ledger.closed = true;
      await this.#conn.redis.del(
        this.#keys.results(this.caller),
        this.#keys.marker(this.caller),
      ).catch(() => {});
      await this.#blocking.close();
      await closeRedis(this.#conn.redis);
    })();
    return this.#ended;
  }

  #submit(
    fn: FnRef,
    args: unknown[][],
    settle: Chunk["settle"],
    what: string,
  ): Chunk {
    if (this.#state !== "open") {
      throw new PoolClosedError(`Cannot ${what} as the pool is closed`);
    }
    return this.#ledger.submit(fn, args, settle);
  }

  #onDataLoss(): void {
    this.#reader.resetCursor();
    ensureGroup(this.#conn.redis, this.#keys.tasks).catch(() => {})
      .then(() => this.#ledger.resubmit());
  }
}
