/**
 * The options of `new Process()` and of `Process.join()`, and the type of a
 * task function.
 *
 * @module
 */
import type { Backend } from "./backend.ts";
import type { Permissions } from "./permissions.ts";

/** Any task function: its parameters and result type the calls made with it. */
// deno-lint-ignore no-explicit-any
export type TaskFunction = (...args: any[]) => unknown;

/** Options of `new Process()`. */
export interface ProcessOptions<F extends TaskFunction = TaskFunction> {
  /**
   * The function to run: a function exported by `module` (it is found there
   * by name and checked against this function's source), or its export name.
   */
  target: F | string;
  /** The arguments; they cross as the package's transfer rules say. Default `[]`. */
  args?: Parameters<F>;
  /** The child's name. Default `"Process-N"`. */
  name?: string;
  /** Where the child runs. Default `"worker"`. */
  backend?: Backend;
  /**
   * What the child may do (never more than the parent). Default: not passed,
   * the backend's default (a worker inherits the parent's permissions). On
   * the `"worker"` backend this needs `"unstable": ["worker-options"]` in
   * deno.json or `--unstable-worker-options`, or Deno ends the whole process
   * with exit code 70.
   */
  permissions?: Permissions;
  /**
   * The child's V8 heap limit in MiB (`--v8-flags=--max-old-space-size`),
   * `"subprocess"` backend only: a child that runs out of memory ends with a
   * negative exit code and the parent lives on. Default: V8's limit.
   */
  memoryLimitMb?: number;
  /** The module that exports `target`. Default `Deno.mainModule`. */
  module?: string | URL;
  /**
   * Whether the child is a daemon: it does not keep the process alive and
   * ends with it. Default `false` (the process waits for the child).
   */
  daemon?: boolean;
}

/** Options of `Process.join()`. */
export interface JoinOptions {
  /** Stops waiting (the child runs on): rejects with `signal.reason`. Default: none. */
  signal?: AbortSignal;
  /**
   * Milliseconds to wait before rejecting with a `DOMException` named
   * `"TimeoutError"` (the child runs on). Default: `Infinity`.
   */
  timeout?: number;
}
