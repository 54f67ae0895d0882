/**
 * Beyond one machine, on Redis (work in progress).
 *
 * @module
 */
export * from "./redis_connection.ts";
export * from "./redis_queue.ts";
export * from "./redis_dict.ts";
