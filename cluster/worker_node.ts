/**
 * `WorkerNode`: one machine's share of a `ClusterPool`'s work.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import { BLOCK_SLICE_MS, BlockingConnection } from "./_blocking.ts";
import { Flusher } from "./_node_flush.ts";
import { Reclaimer } from "./_node_reclaim.ts";
import { type NodeRunner, runEntry, startRunner } from "./_node_runner.ts";
import { closeRedis, type Connected, openRedis } from "./_redis_client.ts";
import {
  checkPoolName,
  ensureGroup,
  GROUP,
  parseTask,
  type PoolKeys,
  poolKeys,
  type TaskEntry,
} from "./_task_wire.ts";
import { pause } from "./_wait_scope.ts";
import type {
  WorkerNodeOptions,
  WorkerNodeStats,
} from "./worker_node_options.ts";

function positive(
  what: string,
  value: number | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot start WorkerNode as ${what} must be an integer >= 1: received ${
        String(value)
      }`,
    );
  }
  return value;
}

/**
 * A worker node: claims task entries of a `ClusterPool` from the Redis
 * stream's consumer group, runs their items on a local `Pool`, and
 * acknowledges each entry in the same `MULTI` that writes its results.
 * Failed items are retried (as new entries) until the caller's
 * `maxAttempts`, then written to the dead-letter stream. Entries of nodes
 * that died are taken over after `visibilityTimeout` (`XAUTOCLAIM`).
 *
 * The command-line form is `cluster/worker.ts`. Needs `--allow-net`,
 * `--allow-env` and `--allow-read` (for the task module).
 *
 * @example Needs a Redis on 127.0.0.1:6379, hence `ignore`
 * ```ts ignore
 * import { ClusterPool, WorkerNode } from "@mp/multiprocessing/cluster";
 * import assert from "node:assert/strict";
 *
 * const module = new URL("../tests/fixtures/cluster_tasks.ts", import.meta.url);
 * await using node = await WorkerNode.start({ module, processes: 2 });
 * await using pool = await ClusterPool.connect();
 * assert.deepEqual(await pool.map("square", [1, 2, 3]), [1, 4, 9]);
 * ```
 */
export class WorkerNode implements AsyncDisposable {
  readonly #consumer: string;
  readonly #keys: PoolKeys;
  readonly #conn: Connected;
  readonly #blocking: BlockingConnection;
  readonly #runner: NodeRunner;
  readonly #prefetch: number;
  readonly #processes: number;
  readonly #flusher: Flusher;
  readonly #reclaimer: Reclaimer;
  readonly #running = new Map<string, number>();
  #runningItems = 0;
  #entrySize = 1;
  readonly #stopController = new AbortController();
  #roomWaiters: (() => void)[] = [];
  #loop: Promise<void> = Promise.resolve();
  #stopping: Promise<void> | undefined;

  private constructor(
    consumer: string,
    keys: PoolKeys,
    conn: Connected,
    blocking: BlockingConnection,
    runner: NodeRunner,
    processes: number,
    prefetch: number,
    visibilityTimeout: number,
  ) {
    this.#consumer = consumer;
    this.#keys = keys;
    this.#conn = conn;
    this.#blocking = blocking;
    this.#runner = runner;
    this.#prefetch = prefetch;
    this.#processes = processes;
    this.#flusher = new Flusher(
      conn.redis,
      keys,
      consumer,
      (ids) => this.#flushed(ids),
    );
    this.#reclaimer = new Reclaimer(
      conn.redis,
      keys,
      consumer,
      visibilityTimeout,
      {
        running: () => [...this.#running.keys()],
        room: () => this.#room(),
        start: (id, fields, deliveries) => this.#start(id, fields, deliveries),
      },
    );
  }

  /**
   * Starts a node: imports the task module, starts the local pool,
   * connects to Redis and begins claiming work.
   *
   * @param options The task module, Redis, and the node's sizes.
   * @returns The running node.
   * @throws {TypeError} when an option has the wrong type or the module
   * cannot be imported.
   * @throws {RangeError} when a count or duration is out of range.
   * @throws {RedisConnectionError} when Redis cannot be reached.
   *
   * @example Needs a Redis on 127.0.0.1:6379, hence `ignore`
   * ```ts ignore
   * import { WorkerNode } from "@mp/multiprocessing/cluster";
   * import assert from "node:assert/strict";
   *
   * const node = await WorkerNode.start({
   *   module: new URL("../tests/fixtures/cluster_tasks.ts", import.meta.url),
   *   redis: { url: "redis://127.0.0.1:6379", password: "s3cret" },
   *   processes: 1,
   *   visibilityTimeout: 10_000,
   * });
   * assert.equal(node.stats.running, 0);
   * await node.stop();
   * ```
   */
  static async start(options: WorkerNodeOptions): Promise<WorkerNode> {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot start WorkerNode as options must be an object: received ${
          String(options)
        }`,
      );
    }
    const name = checkPoolName(options.name ?? "default", "start WorkerNode");
    const processes = positive(
      "processes",
      options.processes,
      navigator.hardwareConcurrency || 1,
    );
    const prefetch = positive("prefetch", options.prefetch, processes * 32);
    const visibilityTimeout = positive(
      "visibilityTimeout",
      options.visibilityTimeout,
      30_000,
    );
    const consumer = options.consumer ??
      `node-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
    if (typeof consumer !== "string" || consumer === "") {
      throw new TypeError(
        `Cannot start WorkerNode as consumer must be a non-empty string: received ${
          String(consumer)
        }`,
      );
    }
    const keys = poolKeys(name);
    const runner = await startRunner({
      module: options.module,
      processes,
      backend: options.backend ?? "worker",
    });
    let conn: Connected | undefined;
    try {
      const what = `WorkerNode "${consumer}"`;
      conn = await openRedis(options.redis, what, `mp-node-${consumer}`);
      const blocking = await BlockingConnection.open(
        options.redis,
        what,
        conn.redis,
      );
      await ensureGroup(conn.redis, keys.tasks);
      const node = new WorkerNode(
        consumer,
        keys,
        conn,
        blocking,
        runner,
        processes,
        prefetch,
        visibilityTimeout,
      );
      node.#reclaimer.start();
      node.#loop = node.#readLoop();
      return node;
    } catch (error) {
      if (conn !== undefined) await closeRedis(conn.redis);
      await runner.close();
      throw error;
    }
  }

  /** This node's consumer name in the group. */
  get consumer(): string {
    return this.#consumer;
  }

  /** The task module's URL. */
  get module(): string {
    return this.#runner.module;
  }

  /** What the node has done so far. */
  get stats(): WorkerNodeStats {
    return {
      running: this.#running.size,
      ...this.#flusher.counts,
      reclaimed: this.#reclaimer.reclaimed,
    };
  }

  /**
   * Stops claiming work, finishes and acknowledges what it holds, leaves
   * the group and closes the local pool and the connections. Idempotent.
   *
   * @returns Once everything is closed.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  /** Same as `stop()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  async #stop(): Promise<void> {
    this.#stopController.abort();
    this.#wake();
    await this.#loop;
    await this.#reclaimer.stop();
    while (this.#running.size > 0) {
      await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
    }
    await this.#flusher.idle();
    await this.#runner.close();
    await this.#conn.redis.xgroup(
      "DELCONSUMER",
      this.#keys.tasks,
      GROUP,
      this.#consumer,
    ).catch(() => {});
    await this.#blocking.close();
    await closeRedis(this.#conn.redis);
  }

  /** How many more entries to take now. */
  #room(): number {
    if (this.#stopController.signal.aborted) return 0;
    const free = this.#prefetch - this.#runningItems;
    const fit = Math.min(1000, Math.floor(free / this.#entrySize));
    // One entry per worker plus one waiting, however large they are.
    return Math.max(0, fit, this.#processes + 1 - this.#running.size);
  }

  #wake(): void {
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const wake of waiters) wake();
  }

  #flushed(ids: string[]): void {
    for (const id of ids) {
      this.#runningItems -= this.#running.get(id) ?? 0;
      this.#running.delete(id);
    }
    this.#wake();
  }

  async #readLoop(): Promise<void> {
    const signal = this.#stopController.signal;
    while (!signal.aborted) {
      const room = this.#room();
      if (room <= 0) {
        await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
        continue;
      }
      let reply;
      try {
        reply = await this.#blocking.run(
          (redis) =>
            redis.xreadgroupBuffer(
              "GROUP",
              GROUP,
              this.#consumer,
              "COUNT",
              room,
              "BLOCK",
              BLOCK_SLICE_MS,
              "STREAMS",
              this.#keys.tasks,
              ">",
            ),
          signal,
        );
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof Error && error.message.includes("NOGROUP")) {
          await ensureGroup(this.#conn.redis, this.#keys.tasks).catch(() => {});
        } else {
          await pause(200, signal);
        }
        continue;
      }
      const value = reply.aborted ? await reply.late : reply.value;
      const streams = (value ?? []) as [Buffer, [Buffer, Buffer[]][]][];
      for (const [, entries] of streams) {
        for (const [id, fields] of entries) {
          this.#start(id.toString(), fields, 1);
        }
      }
    }
  }

  #start(streamId: string, fields: Buffer[], deliveries: number): void {
    if (this.#running.has(streamId)) return;
    this.#running.set(streamId, 0);
    let task: TaskEntry;
    try {
      task = parseTask(fields);
      const size = task.ids.length;
      this.#running.set(streamId, size);
      this.#runningItems += size;
      this.#entrySize = Math.max(1, this.#entrySize * 0.75 + size * 0.25);
    } catch {
      // Not a task entry of this package: drop it rather than loop on it.
      this.#conn.redis.multi()
        .xack(this.#keys.tasks, GROUP, streamId)
        .xdel(this.#keys.tasks, streamId)
        .exec()
        .catch(() => {})
        .finally(() => this.#flushed([streamId]));
      return;
    }
    const finished = runEntry(this.#runner, streamId, task, deliveries);
    if (finished instanceof Promise) {
      finished.then((f) => this.#flusher.add(f));
    } else this.#flusher.add(finished);
  }
}
