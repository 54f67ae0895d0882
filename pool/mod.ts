/**
 * Running code elsewhere: `Process` (one function in a child) and `Pool`
 * (many tasks over a set of children), Python's `multiprocessing.Process`
 * and `multiprocessing.Pool`, on Web Workers (default), subprocesses or the
 * caller's own loop.
 *
 * A task is an exported function of a module (default: the main module, so
 * export the function and guard the script's own work with
 * `if (import.meta.main)`). The `"worker"` backend needs `--allow-read` for
 * that module. Every submitted task settles: with its result, its own
 * exception (`RemoteError`), or `WorkerExitError` when its worker ended
 * under it; other tasks of a dead worker run elsewhere.
 *
 * @example Map over a pool
 * ```ts
 * import { Pool } from "@mp/multiprocessing/pool";
 * import assert from "node:assert/strict";
 * import { square } from "../tests/fixtures/pool_tasks.ts";
 *
 * await using pool = new Pool({
 *   processes: 2,
 *   module: new URL("../tests/fixtures/pool_tasks.ts", import.meta.url),
 * });
 * assert.deepEqual(await pool.map(square, [1, 2, 3]), [1, 4, 9]);
 * ```
 *
 * @module
 */
export * from "./async_result.ts";
export * from "./backend.ts";
export * from "./current_process.ts";
export * from "./current_task.ts";
export * from "./errors.ts";
export * from "./move.ts";
export * from "./permissions.ts";
export * from "./pool.ts";
export * from "./pool_options.ts";
export * from "./process.ts";
export * from "./process_options.ts";
