/**
 * Running code elsewhere: `Process` (one function in a child) and `Pool`
 * (many tasks over a set of children), Python's `multiprocessing.Process`
 * and `multiprocessing.Pool`, on Web Workers (default), subprocesses or the
 * caller's own loop.
 *
 * A task is an exported function of a module (default: the main module, so
 * export the function and guard the script's own work with
 * `if (import.meta.main)`). The `"worker"` backend needs `--allow-read` for
 * that module.
 *
 * @example Run a function in a child
 * ```ts
 * import { Process } from "@mp/multiprocessing/pool";
 * import assert from "node:assert/strict";
 * import { add } from "../tests/fixtures/pool_tasks.ts";
 *
 * const child = new Process({
 *   target: add,
 *   args: [1, 2],
 *   module: new URL("../tests/fixtures/pool_tasks.ts", import.meta.url),
 * });
 * await child.start();
 * assert.equal(await child.join(), 0);
 * ```
 *
 * @module
 */
export * from "./backend.ts";
export * from "./current_task.ts";
export * from "./errors.ts";
export * from "./permissions.ts";
export * from "./process.ts";
