/**
 * The options of `WorkerNode` (and of `cluster/worker.ts`) and its counters.
 *
 * @module
 */
import type { Backend } from "../pool/backend.ts";
import type { RedisTarget } from "./redis_connection.ts";

/**
 * Options of `WorkerNode.start()` (the flags of `cluster/worker.ts`).
 *
 * @example
 * ```ts
 * import type { WorkerNodeOptions } from "@mp/multiprocessing/cluster";
 * import assert from "node:assert/strict";
 *
 * const options: WorkerNodeOptions = {
 *   module: "./tasks.ts",
 *   redis: { url: "rediss://redis.internal:6380", username: "mp", password: "s3cret" },
 *   processes: 4,
 *   visibilityTimeout: 60_000,
 * };
 * assert.equal(options.processes, 4);
 * ```
 */
export interface WorkerNodeOptions {
  /**
   * The module exporting the task functions: a URL, or a path resolved
   * against the working directory. It must be the same code the callers
   * import: a function whose source differs is refused.
   */
  module: string | URL;
  /** Where Redis is. Default `"redis://127.0.0.1:6379"`. */
  redis?: RedisTarget;
  /** The cluster pool to serve (`ClusterPoolOptions.name`). Default `"default"`. */
  name?: string;
  /** Workers of the node's local `Pool`. Default `navigator.hardwareConcurrency`. */
  processes?: number;
  /** Backend of the local `Pool`. Default `"worker"`. */
  backend?: Backend;
  /**
   * Items the node holds at once, running or queued on its local pool,
   * counted over whole task entries (chunks): it reads as many entries as
   * fit, judging by the sizes it has seen, and at least one per process
   * plus one, however large. Small entries are then read many at a time
   * (fewer round trips), large ones a few at a time (so that other nodes
   * get their share). Default `processes × 32`.
   */
  prefetch?: number;
  /**
   * Milliseconds a task entry may go untouched before another node takes
   * it over. A live node touches its running entries every third of this,
   * so only a dead (or frozen) node loses them. Use the same value on every
   * node. Default `30_000`.
   */
  visibilityTimeout?: number;
  /** This node's consumer name in the group. Default `node-<pid>-<random>`. */
  consumer?: string;
}

/**
 * What a node has done, counted in items (a chunk holds several).
 *
 * @example
 * ```ts
 * import type { WorkerNodeStats } from "@mp/multiprocessing/cluster";
 * import assert from "node:assert/strict";
 *
 * const stats: WorkerNodeStats = {
 *   running: 0, completed: 98, failed: 1, retried: 2, deadLettered: 1, reclaimed: 3,
 * };
 * assert.equal(stats.failed, stats.deadLettered);
 * ```
 */
export interface WorkerNodeStats {
  /** Task entries held now. */
  running: number;
  /** Items that succeeded. */
  completed: number;
  /** Items that failed on their last attempt (each is a dead letter). */
  failed: number;
  /** Failed items put back for another attempt. */
  retried: number;
  /** Items sent to the dead-letter stream. */
  deadLettered: number;
  /** Task entries taken over from nodes that stopped answering. */
  reclaimed: number;
}
