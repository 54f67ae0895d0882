/**
 * Beyond one machine, on Redis (work in progress).
 *
 * @module
 */
export * from "./redis_connection.ts";
export * from "./redis_queue.ts";
export * from "./redis_dict.ts";
export * from "./cluster_pool.ts";
export * from "./cluster_pool_options.ts";
export * from "./worker_node.ts";
export { PoolClosedError, RemoteError } from "../pool/errors.ts";
