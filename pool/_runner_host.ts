/**
 * The seam between the child-side task engine (`_runner.ts`) and the thread
 * it runs in: a worker's bootstrap, a subprocess's main module, or the
 * caller's own loop (the inline backend). Each gives the runner a way to
 * post messages to its parent, to find task functions, and to end.
 *
 * @module
 */
import type { ChildMessage, ExitPhase, FnDef } from "./_protocol.ts";

/** A task function. */
// deno-lint-ignore no-explicit-any
export type TaskFn = (...args: any[]) => unknown;

/** What the runner needs from the thread it runs in. */
export interface RunnerHost {
  /** Sends a message to the parent. May throw a `DataCloneError`. */
  post(message: ChildMessage): void;
  /** Finds a task function; throws the `TypeError` when it cannot. */
  resolve(def: FnDef): TaskFn | Promise<TaskFn>;
  /** Ends the child, after its `exit` message was posted. */
  end(code: number, phase: ExitPhase): void;
  /** Other code shares the thread (inline): track tasks per async context. */
  shared: boolean;
  /** Prints an entry's uncaught error as Python does (process mode). */
  report?: (error: unknown) => void;
  /**
   * Called when task `seq` was claimed, just before it runs (a subprocess
   * child tells its parent, which cannot see its control block).
   */
  claimed?: (seq: number) => void;
}
