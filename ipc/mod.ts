/**
 * Channels between the main thread and Workers (Python's `Pipe`, `Queue`,
 * `JoinableQueue`, `SimpleQueue`, `Connection`), plus sockets between
 * processes and the Manager.
 *
 * `Queue` and `pipe()` run over shared memory: an item is encoded once into
 * a `SharedArrayBuffer` ring and decoded by whichever thread takes it, with
 * no broker thread in between. Pass a queue or a pipe end into a Worker as
 * a task or `Process` argument (or in any message sent with the package's
 * transfer) and use it there; the `*Sync` twins block a Worker instead of
 * awaiting. Items keep their types (`Map`, `Set`, `Date`, `bigint`, typed
 * arrays, errors …); a message of any size passes, streaming through the
 * ring while the other side reads.
 *
 * A child on the pool's `"subprocess"` backend is another OS process, with
 * no shared memory: a queue or pipe end passed to it is bridged (the parent
 * keeps it and runs the child's calls over the child's stdio). The async
 * methods work there (`tryGet()`, `qsize()`, `close()` … become promises
 * too), the `*Sync` twins throw a `TypeError`, and a round trip is about
 * 0.3 ms instead of 0.01–0.04 ms. See `Backend` in
 * `@mp/multiprocessing/pool`.
 *
 * @example
 * ```ts
 * import { pipe, Queue } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * const queue = new Queue<string>();
 * await queue.put("hello");
 * queue.close();
 * const items: string[] = [];
 * for await (const item of queue) items.push(item);
 * assert.deepEqual(items, ["hello"]);
 *
 * const [parent, child] = pipe<number>();
 * await child.send(7);
 * assert.equal(await parent.recv(), 7);
 * child.close();
 * parent.close();
 * ```
 *
 * @module
 */
export * from "./connection.ts";
export * from "./connection_closed_error.ts";
export * from "./connection_options.ts";
export * from "./pipe.ts";
export * from "./queue.ts";
export * from "./joinable_queue.ts";
export * from "./simple_queue.ts";
export * from "./queue_closed_error.ts";
export * from "./listener.ts";
export * from "./manager.ts";
export * from "./base_proxy.ts";
export * from "./dict_proxy.ts";
export * from "./list_proxy.ts";
export * from "./namespace_proxy.ts";
export * from "./value_proxy.ts";
export * from "./array_proxy.ts";
export * from "./queue_proxy.ts";
export * from "./lock_proxy.ts";
export * from "./semaphore_proxy.ts";
export * from "./event_proxy.ts";
export * from "./condition_proxy.ts";
export * from "./custom_proxy.ts";
export * from "./manager_client.ts";
export * from "./manager_client_options.ts";
