/**
 * The errors a `Process` or a `Pool` reports: a task that threw in its child
 * (`RemoteError`), a child that ended under a task (`WorkerExitError`), work
 * a pool no longer takes (`PoolClosedError`) or has no room for
 * (`PoolFullError`).
 *
 * @module
 */

/**
 * A task threw (or rejected) in its child. The remote error itself, rebuilt
 * with its class (when it is a global or a `Deno.errors` class, otherwise an
 * `Error` named after the remote class), message, stack, `cause` and own
 * properties, is this error's `cause`; `remoteName` and `remoteStack` repeat
 * its class name and stack for logging.
 *
 * @example A target that throws
 * ```ts
 * import { Process, RemoteError } from "@mp/multiprocessing/pool";
 * import assert from "node:assert/strict";
 *
 * const child = new Process({
 *   target: "fail", // throws new RangeError(message)
 *   args: ["bad input"],
 *   module: new URL("../tests/fixtures/pool_tasks.ts", import.meta.url),
 * });
 * await child.start();
 * assert.equal(await child.join(), 1);
 * assert.ok(child.error instanceof RemoteError);
 * assert.equal(child.error.remoteName, "RangeError");
 * assert.ok(child.error.cause instanceof RangeError);
 * assert.equal(child.error.message, "bad input");
 * ```
 */
export class RemoteError extends Error {
  /** The remote error's class name, e.g. `"TypeError"`. */
  readonly remoteName: string;
  /** The remote error's stack, as text (empty when it had none). */
  readonly remoteStack: string;

  /**
   * Wraps an error rebuilt from a child.
   *
   * @param remote The rebuilt remote error (or the thrown non-error value).
   * @param options Standard error options; `cause` defaults to `remote`.
   */
  constructor(remote: unknown, options?: ErrorOptions) {
    const isError = remote instanceof Error;
    super(
      isError ? remote.message : `A non-error value was thrown: ${remote}`,
      { cause: remote, ...options },
    );
    this.name = "RemoteError";
    this.remoteName = isError ? remote.name : typeof remote;
    this.remoteStack = isError ? String(remote.stack ?? "") : "";
  }
}

/** Options of `new WorkerExitError()`. */
export interface WorkerExitErrorOptions extends ErrorOptions {
  /** The child's exit code (negative when it was terminated or killed). */
  exitCode: number;
  /** The id of the task the child was running, when there was one. */
  taskId?: number;
  /** The name of the child (a `Process` name such as `"PoolWorker-3"`). */
  worker?: string;
}

/**
 * The child running a task ended before the task did: it crashed, called
 * `Deno.exit()` or `self.close()`, was terminated, or got stuck and had to be
 * given up. Only the task that was running gets this error; tasks the child
 * had received but not started run again elsewhere.
 *
 * @example A task that ends its worker
 * ```ts
 * import { Pool, WorkerExitError } from "@mp/multiprocessing/pool";
 * import assert from "node:assert/strict";
 *
 * await using pool = new Pool({
 *   processes: 1,
 *   module: new URL("../tests/fixtures/pool_tasks.ts", import.meta.url),
 * });
 * const error = await pool.apply("exitWith", [2]).catch((e) => e);
 * assert.ok(error instanceof WorkerExitError);
 * assert.equal(error.exitCode, 2);
 * assert.equal(await pool.apply("add", [1, 2]), 3); // a replacement serves on
 * ```
 *
 * @example A child stopped before its target ran
 * ```ts
 * import { Process, WorkerExitError } from "@mp/multiprocessing/pool";
 * import assert from "node:assert/strict";
 *
 * const child = new Process({
 *   target: "sleep",
 *   args: [60_000],
 *   module: new URL("../tests/fixtures/pool_tasks.ts", import.meta.url),
 * });
 * const started = child.start();
 * child.terminate();
 * const error = await started.catch((e) => e);
 * assert.ok(error instanceof WorkerExitError);
 * assert.equal(error.exitCode, -15);
 * ```
 */
export class WorkerExitError extends Error {
  /** The child's exit code (negative when terminated or killed). */
  readonly exitCode: number;
  /** The id of the task that was running, when known. */
  readonly taskId: number | undefined;
  /** The name of the child that ended. */
  readonly worker: string | undefined;

  /**
   * Creates the error.
   *
   * @param message What ended and under which task.
   * @param options The exit code, task id, worker name and `cause`.
   */
  constructor(message: string, options: WorkerExitErrorOptions) {
    super(message, options);
    this.name = "WorkerExitError";
    this.exitCode = options.exitCode;
    this.taskId = options.taskId;
    this.worker = options.worker;
  }
}

/**
 * Work was submitted to a pool after `close()` or `terminate()`, or was
 * still pending when `terminate()` ended the pool.
 *
 * @example Submitting after close
 * ```ts
 * import { Pool, PoolClosedError } from "@mp/multiprocessing/pool";
 * import assert from "node:assert/strict";
 *
 * const pool = new Pool({ processes: 1, backend: "inline" });
 * pool.close();
 * await pool.join();
 * await assert.rejects(pool.apply(Math.abs, [-1]), PoolClosedError);
 * ```
 */
export class PoolClosedError extends Error {
  /**
   * Creates the error.
   *
   * @param message What could not be done.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PoolClosedError";
  }
}

/**
 * A task was submitted while the pool's queue already held `maxQueue`
 * waiting tasks. `map` and `imap` wait for room instead; `apply` and
 * `applyAsync` reject with this error.
 *
 * @example A full queue
 * ```ts
 * import { Pool, PoolFullError } from "@mp/multiprocessing/pool";
 * import assert from "node:assert/strict";
 *
 * await using pool = new Pool({
 *   processes: 1,
 *   maxQueue: 1,
 *   module: new URL("../tests/fixtures/pool_tasks.ts", import.meta.url),
 * });
 * const first = pool.apply("sleep", [50]); // running
 * const second = pool.apply("sleep", [50]); // waiting
 * await assert.rejects(pool.apply("sleep", [50]), PoolFullError);
 * assert.deepEqual(await Promise.all([first, second]), ["slept", "slept"]);
 * ```
 */
export class PoolFullError extends Error {
  /**
   * Creates the error.
   *
   * @param message What could not be done.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PoolFullError";
  }
}
