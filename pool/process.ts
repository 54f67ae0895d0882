/**
 * `Process`: run one exported function in a child, Python's
 * `multiprocessing.Process` (`activeChildren()` and `currentProcess()` are
 * in `current_process.ts`).
 *
 * @module
 */
import { checkWaitOptions } from "../sync/_futex.ts";
import { assertNotImporting } from "./_boot_state.ts";
import type { Child } from "./_child.ts";
import { FnTable } from "./_fn_table.ts";
import { type ProcessConfig, processConfig } from "./_process_config.ts";
import { type FacadeInit, setFacadeMaker } from "./_process_facade.ts";
import { type ProcessEnd, startProcess } from "./_process_start.ts";
import { within } from "./_wait.ts";
import type { RemoteError } from "./errors.ts";
import type {
  JoinOptions,
  ProcessOptions,
  TaskFunction,
} from "./process_options.ts";

export type { JoinOptions, ProcessOptions, TaskFunction };

const FACADE = Symbol("facade");

/**
 * Runs `target(...args)` in a child: a Web Worker by default. The target is a
 * function exported by `module` (default: the main module, so the Python
 * shape works: export the function from the script and guard the script's
 * own work with `if (import.meta.main)`). Types flow from the function:
 * `args` are checked against its parameters.
 *
 * Exit codes follow Python: `null` while running, `0` when the target
 * returned (or its promise resolved), `1` when it threw (the error is
 * printed by the child and kept in `error`), the code given to `Deno.exit()`,
 * `0` after `self.close()`, `-15` after `terminate()`, `-9` after `kill()`.
 *
 * Permissions: the `"worker"` backend needs `--allow-read` for the task
 * module (and for this package's files when it is loaded from a local path).
 *
 * @example Start, join, read the exit code
 * ```ts
 * import { Process } from "@mp/multiprocessing/pool";
 * import { SharedValue } from "@mp/multiprocessing/shared";
 * import assert from "node:assert/strict";
 * import { addInto } from "../tests/fixtures/pool_tasks.ts";
 *
 * const total = new SharedValue("i", 0);
 * const child = new Process({
 *   target: addInto, // (total: SharedValue<"i">, n: number) => void
 *   args: [total, 5],
 *   module: new URL("../tests/fixtures/pool_tasks.ts", import.meta.url),
 * });
 * await child.start();
 * assert.equal(await child.join(), 0);
 * assert.equal(child.exitCode, 0);
 * assert.equal(total.value, 5); // the child worked on the same memory
 * ```
 */
export class Process<F extends TaskFunction = TaskFunction>
  implements AsyncDisposable {
  #name: string;
  #daemon: boolean;
  #state: "new" | "started" | "current";
  #config: ProcessConfig | undefined;
  #fns = new FnTable();
  #child: Child | undefined;
  #pid: number | undefined;
  #startError: unknown;
  #failed = false;
  #error: RemoteError | undefined;

  static {
    setFacadeMaker((init) =>
      new Process({ [FACADE]: init } as unknown as ProcessOptions)
    );
  }

  /**
   * Creates an unstarted process.
   *
   * @param options The target, its arguments and how to run it.
   * @throws {TypeError} When an option has the wrong type (a target that is
   * neither a function nor a string, `args` that is not an array, a relative
   * `module` string, an unknown backend, malformed permissions).
   * @throws {Deno.errors.NotCapable} When `permissions` ask for more than
   * this process holds.
   * @throws {Error} When called while a child imports its task module (the
   * module creates children at top level: guard that with
   * `if (import.meta.main)`).
   *
   * @example Type-checked arguments
   * ```ts
   * import { Process } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   * import { add } from "../tests/fixtures/pool_tasks.ts";
   *
   * const module = new URL("../tests/fixtures/pool_tasks.ts", import.meta.url);
   * const child = new Process({ target: add, args: [1, 2], module });
   * assert.equal(child.isAlive, false); // never started
   * // new Process({ target: add, args: ["1", 2], module }) fails `deno check`:
   * // Type 'string' is not assignable to type 'number'.
   * ```
   */
  constructor(options: ProcessOptions<F>) {
    const facade = typeof options === "object" && options !== null
      ? (options as unknown as Record<symbol, FacadeInit>)[FACADE]
      : undefined;
    if (facade !== undefined) {
      this.#name = facade.name;
      this.#daemon = facade.daemon;
      this.#child = facade.child;
      this.#pid = facade.pid;
      this.#state = facade.child === undefined ? "current" : "started";
      return;
    }
    assertNotImporting("Process");
    const config = processConfig(options as ProcessOptions, this.#fns);
    this.#config = config;
    this.#name = config.name;
    this.#daemon = config.daemon;
    this.#state = "new";
  }

  /** The process's name (settable; it names the worker in Deno's messages). */
  get name(): string {
    return this.#name;
  }
  set name(value: string) {
    this.#name = String(value);
  }

  /**
   * Whether the child is a daemon (does not keep the process alive). Set it
   * before `start()`.
   */
  get daemon(): boolean {
    return this.#daemon;
  }
  set daemon(value: boolean) {
    if (this.#state !== "new") {
      throw new Error(
        `Cannot set daemon of Process "${this.#name}" as it has started`,
      );
    }
    this.#daemon = Boolean(value);
  }

  /**
   * The child's process id: the OS pid of a subprocess, a unique id (its
   * agent id) for a worker; `undefined` before `start()`.
   */
  get pid(): number | undefined {
    return this.#pid ?? this.#child?.pid;
  }

  /**
   * `null` until the child ends (or when it never started), then its exit
   * code: `0` ok, `1` uncaught error, `Deno.exit()`'s code, negative when
   * terminated (`-15`) or killed (`-9`).
   */
  get exitCode(): number | null {
    if (this.#state === "current") return null;
    return this.#child?.exitCode ?? null;
  }

  /** Whether the child has started and not ended. */
  get isAlive(): boolean {
    if (this.#state === "current") return true;
    return this.#child?.alive ?? false;
  }

  /** The error the target threw, once the child has ended with it. */
  get error(): RemoteError | undefined {
    return this.#error;
  }

  /**
   * Starts the child. The promise resolves once the child runs the target.
   *
   * @returns A promise of the child running the target.
   * @throws {TypeError} When the target is not exported by the module (or
   * the export is a different function), or `args` cannot cross (the message
   * names the part). `join()` rejects with the same error.
   * @throws {RemoteError} When the task module failed to load in the child.
   * @throws {WorkerExitError} When the child ended before running the target.
   * @throws {Error} When the process was already started.
   *
   * @example A target the module does not export
   * ```ts
   * import { Process } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   *
   * function notExported(): void {}
   * const child = new Process({
   *   target: notExported,
   *   module: new URL("../tests/fixtures/pool_tasks.ts", import.meta.url),
   * });
   * await assert.rejects(child.start(), TypeError);
   * assert.equal(child.exitCode, 1);
   * ```
   */
  start(): Promise<void> {
    let promise: Promise<void>;
    if (this.#state !== "new") {
      promise = Promise.reject(
        new Error(
          this.#state === "current"
            ? `Cannot start the current process`
            : `Cannot start Process "${this.#name}" twice: create a new Process`,
        ),
      );
    } else {
      this.#state = "started";
      promise = this.#begin();
    }
    promise.catch(() => {});
    return promise;
  }

  #begin(): Promise<void> {
    try {
      const config = this.#config!;
      const { child, running } = startProcess(
        { ...config, name: this.#name, daemon: this.#daemon, fns: this.#fns },
        config.def,
        config.args,
        (end) => this.#ended(end),
      );
      this.#child = child;
      return running;
    } catch (error) {
      this.#ended({ startError: error });
      return Promise.reject(error);
    }
  }

  #ended(end: ProcessEnd): void {
    if ("startError" in end) {
      this.#failed = true;
      this.#startError = end.startError;
    }
    this.#error = end.error;
  }

  /**
   * Waits for the child to end.
   *
   * @param options `timeout` (ms) and `signal` of the wait; the child keeps
   * running when the wait gives up.
   * @returns The exit code.
   * @throws {Error} When the process was never started.
   * @throws {TypeError} The start error, when the target could not be found
   * or its arguments could not cross.
   * @throws {RemoteError} When the task module failed to load.
   * @throws {DOMException} `TimeoutError` when `timeout` elapses first.
   * @throws {RangeError} When `timeout` is negative.
   * @throws {unknown} `signal.reason` when `signal` aborts first.
   *
   * @example Give up waiting, then stop the child
   * ```ts
   * import { Process } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   *
   * const child = new Process({
   *   target: "sleep",
   *   args: [60_000],
   *   module: new URL("../tests/fixtures/pool_tasks.ts", import.meta.url),
   * });
   * await child.start();
   * await assert.rejects(child.join({ timeout: 10 }), { name: "TimeoutError" });
   * assert.equal(child.isAlive, true);
   * child.terminate();
   * assert.equal(await child.join(), -15);
   * ```
   */
  async join(options?: JoinOptions): Promise<number> {
    const timeout = checkWaitOptions(`join Process "${this.#name}"`, options);
    if (this.#state === "current") {
      throw new Error("Cannot join the current process");
    }
    if (this.#state === "new") {
      throw new Error(
        `Cannot join Process "${this.#name}" as it was never started: call start() first`,
      );
    }
    if (this.#failed) throw this.#startError;
    const child = this.#child!;
    const code = await within(
      child.exited,
      timeout,
      options?.signal,
      `join Process "${this.#name}"`,
    );
    if (this.#failed) throw this.#startError;
    return code;
  }

  /**
   * Stops the child: aborts its `currentTask()` signal and ends it (exit
   * code `-15`). A worker stuck in synchronous code cannot be stopped by
   * Deno; it stops when it next reads `signal.aborted`. Does nothing when
   * the child is not running.
   *
   * @throws {Error} When called on the current process.
   *
   * @example
   * ```ts
   * import { Process } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   *
   * const child = new Process({
   *   target: "sleep",
   *   args: [60_000],
   *   module: new URL("../tests/fixtures/pool_tasks.ts", import.meta.url),
   * });
   * await child.start();
   * child.terminate();
   * child.terminate(); // a no-op
   * assert.equal(await child.join(), -15);
   * ```
   */
  terminate(): void {
    this.#stop(false);
  }

  /**
   * Ends the child at once (exit code `-9`): on a subprocess, `SIGKILL`; on a
   * worker, the same as `terminate()`.
   *
   * @throws {Error} When called on the current process.
   *
   * @example
   * ```ts
   * import { Process } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   *
   * const child = new Process({
   *   target: "sleep",
   *   args: [60_000],
   *   module: new URL("../tests/fixtures/pool_tasks.ts", import.meta.url),
   * });
   * await child.start();
   * child.kill();
   * assert.equal(await child.join(), -9);
   * ```
   */
  kill(): void {
    this.#stop(true);
  }

  #stop(kill: boolean): void {
    if (this.#state === "current") {
      throw new Error(
        "Cannot stop the current process from inside it: return from the target or call Deno.exit()",
      );
    }
    this.#child?.terminate(kill);
  }

  /**
   * Ends a child that is still running (as `terminate()`) and waits for it:
   * what `await using` does at the end of its scope.
   *
   * @returns A promise that settles once the child has ended.
   *
   * @example
   * ```ts
   * import { Process } from "@mp/multiprocessing/pool";
   * import assert from "node:assert/strict";
   *
   * let child: Process;
   * {
   *   await using p = new Process({
   *     target: "sleep",
   *     args: [60_000],
   *     module: new URL("../tests/fixtures/pool_tasks.ts", import.meta.url),
   *   });
   *   await p.start();
   *   child = p;
   * }
   * assert.equal(child.exitCode, -15);
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#state !== "started" || this.#child === undefined) return;
    this.#child.terminate();
    await this.#child.exited;
  }
}
