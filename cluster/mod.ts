/**
 * Beyond one machine: the same `Queue`, dict and `Pool` shapes, held by
 * Redis, the broker that work queues already use (RQ, Celery, BullMQ,
 * Sidekiq).
 *
 * - `RedisQueue<T>`: a FIFO queue in a Redis list (`put`, `get`, `tryPut`,
 *   `tryGet`, `qsize`, `close`, `for await`).
 * - `RedisDict<K, V>`: a `Map` in a Redis hash, keys kept apart by type
 *   (`1`, `"1"` and `0.25` are three keys), insertion order kept.
 * - `ClusterPool`: `apply`, `map`, `starmap`, `imap`, `imapUnordered`, run
 *   by worker nodes (`cluster/worker.ts`, or `WorkerNode` in your own
 *   program) on any machine that reaches the Redis. Tasks go into a Redis
 *   Stream read through a consumer group; a node runs them on its local
 *   `Pool` and acknowledges each task in the same transaction that writes
 *   its result to the caller's own result stream. A node that dies leaves
 *   its tasks pending; other nodes take them over after a visibility
 *   timeout (`XAUTOCLAIM`). Delivery is at least once; tasks carry ids and
 *   a second result is dropped, so from the caller's view each task
 *   completes exactly once. A task that fails `maxAttempts` times goes to
 *   a dead-letter stream and its call rejects with its `RemoteError`.
 *
 * Values cross as the package's binary codec (everything `postMessage`
 * carries except shared memory, which cannot leave the machine). A Redis
 * that cannot be reached is a `RedisConnectionError` at connect; once
 * connected, a lost connection is retried without end and commands wait for
 * it, and if Redis came back without its data (restarted without
 * persistence), callers submit their outstanding tasks again.
 *
 * This is the package's only npm dependency, kept out of the core modules:
 * the Redis client is `npm:ioredis`, chosen over `npm:redis` because it
 * sends unanswered commands again after a reconnect (blocking reads
 * included) instead of failing them, which is what survives a Redis
 * restart mid-run; it gives binary replies per command (`…Buffer`), which
 * the codec needs; and it passes the URL, ACL user, password and TLS
 * options straight through to Node's `net`/`tls`.
 *
 * Permissions: `--allow-net` and `--allow-env` (the client reads its debug
 * settings at import); worker nodes also need `--allow-read` for the task
 * module. The Redis user needs the stream, list, hash, sorted-set,
 * scripting and `INFO` commands on keys `mp:*`; with `CLIENT UNBLOCK` too
 * (an admin command), a cancelled wait ends at once, without it within 2 s.
 *
 * @example Without a Redis, connecting fails clearly
 * ```ts
 * import { RedisConnectionError, RedisDict } from "@mp/multiprocessing/cluster";
 * import assert from "node:assert/strict";
 *
 * const error = await RedisDict.connect("config", {
 *   redis: { url: "redis://127.0.0.1:1", password: "s3cret" },
 * }).catch((e) => e);
 * assert.ok(error instanceof RedisConnectionError);
 * assert.match(error.message, /^Cannot connect RedisDict "config" to Redis at redis:\/\/127\.0\.0\.1:1/);
 * ```
 *
 * @example Queue, dict and pool (needs a Redis on 127.0.0.1:6379 and a worker node, hence `ignore`)
 * ```ts ignore
 * // deno run -A cluster/worker.ts --module tests/fixtures/cluster_tasks.ts
 * import { ClusterPool, RedisDict, RedisQueue } from "@mp/multiprocessing/cluster";
 * import assert from "node:assert/strict";
 * import { square } from "../tests/fixtures/cluster_tasks.ts";
 *
 * await using queue = await RedisQueue.connect<string>("jobs");
 * await queue.put("resize");
 * assert.equal(await queue.get(), "resize");
 *
 * await using dict = await RedisDict.connect<number | string, string>("seen");
 * await dict.set(1, "number");
 * await dict.set("1", "string");
 * assert.equal(await dict.size(), 2);
 *
 * await using pool = await ClusterPool.connect();
 * assert.deepEqual(await pool.map(square, [1, 2, 3]), [1, 4, 9]);
 * ```
 *
 * ## Two machines: a walkthrough
 *
 * Machine A (10.0.0.5) runs Redis; machine B runs a worker node and the
 * caller (add more worker machines the same way). Open port 6379 on A to
 * B only.
 *
 * On A, the Redis host: keep data across restarts (`--appendonly yes`),
 * listen on the private address, and allow one user on the package's keys.
 *
 * ```sh
 * sudo apt-get install -y redis-server
 * redis-server --bind 10.0.0.5 --port 6379 --appendonly yes \
 *   --user default off \
 *   --user mp on '>s3cret' '~mp:*' '&*' '+@all'
 * # For TLS add: --port 0 --tls-port 6379 --tls-cert-file server.crt
 * #   --tls-key-file server.key --tls-ca-cert-file ca.crt --tls-auth-clients no
 * # and use rediss:// URLs (with --tls-ca ca.crt on the worker nodes).
 * ```
 *
 * On B, a worker node: the task module is the same file the caller imports.
 *
 * ```sh
 * cat > tasks.ts <<'EOF'
 * export function square(x: number): number {
 *   return x * x;
 * }
 * EOF
 * printf 's3cret' > redis.pass
 * deno run --allow-net --allow-env --allow-read \
 *   jsr:@mp/multiprocessing/cluster/worker \
 *   --redis redis://mp@10.0.0.5:6379 --password-file redis.pass \
 *   --module ./tasks.ts --processes 4
 * # worker node node-4242-1a2b3c4d ready: pool "default" on redis://mp@10.0.0.5:6379, …
 * ```
 *
 * (From a checkout of this repository the command is
 * `deno run --allow-net --allow-env --allow-read cluster/worker.ts …`.
 * Ctrl-C stops a node gracefully: it finishes and acknowledges what it
 * holds.)
 *
 * On B (or any machine that reaches A), the caller:
 *
 * ```ts ignore
 * // main.ts: REDIS_PASSWORD=s3cret deno run --allow-net --allow-env main.ts
 * import { ClusterPool } from "jsr:@mp/multiprocessing/cluster";
 * import { square } from "./tasks.ts";
 *
 * await using pool = await ClusterPool.connect({
 *   redis: {
 *     url: "redis://10.0.0.5:6379",
 *     username: "mp",
 *     password: Deno.env.get("REDIS_PASSWORD")!,
 *   },
 * });
 * const xs = Array.from({ length: 10_000 }, (_, i) => i);
 * console.log((await pool.map(square, xs)).slice(0, 5)); // [ 0, 1, 4, 9, 16 ]
 * ```
 *
 * @module
 */
export * from "./redis_connection.ts";
export * from "./redis_queue.ts";
export * from "./redis_queue_options.ts";
export * from "./redis_dict.ts";
export * from "./cluster_pool.ts";
export * from "./cluster_pool_options.ts";
export * from "./worker_node.ts";
export * from "./worker_node_options.ts";
export { PoolClosedError, RemoteError } from "../pool/errors.ts";
export { QueueClosedError, type TryGetResult } from "../ipc/queue.ts";
export type { Backend } from "../pool/backend.ts";
export type { TaskFunction } from "../pool/process.ts";
export type { MapItems, TaskResult } from "../pool/pool_options.ts";
