/**
 * `currentTask()`: what a task can learn about itself while it runs in a
 * child, above all its `AbortSignal`.
 *
 * @module
 */
import { bootState } from "./_boot_state.ts";

/** The task that is running, as seen from inside it. */
export interface CurrentTask {
  /** The task's id within its child. */
  readonly id: number;
  /**
   * Aborted when the task times out (`taskTimeout`), its `signal` aborts, or
   * its child is terminated. On the `"worker"` backend this is the only way
   * to stop code that never yields: check `signal.aborted` (or call
   * `signal.throwIfAborted()`) in long loops. Reading it sees an abort
   * requested by the parent at once, even inside a synchronous loop.
   */
  readonly signal: AbortSignal;
}

/**
 * The task running on this thread (or in this async context, on the inline
 * backend), or `undefined` outside a task. Works whichever copy of this
 * package the task module imported.
 *
 * @returns The running task, or `undefined`.
 *
 * @example Stop a long loop cooperatively
 * ```ts
 * import { currentTask, Process } from "@mp/multiprocessing/pool";
 * import assert from "node:assert/strict";
 *
 * // tests/fixtures/pool_tasks.ts exports:
 * //   export function spinUntilAborted(): number {
 * //     const signal = currentTask()!.signal;
 * //     let n = 0;
 * //     while (!signal.aborted) n++;
 * //     return n;
 * //   }
 * const child = new Process({
 *   target: "spinUntilAborted",
 *   module: new URL("../tests/fixtures/pool_tasks.ts", import.meta.url),
 * });
 * await child.start();
 * child.terminate(); // Deno cannot stop the loop; the signal does
 * assert.equal(await child.join(), -15);
 * assert.equal(currentTask(), undefined); // not inside a task here
 * ```
 */
export function currentTask(): CurrentTask | undefined {
  const state = bootState();
  return state.inlineTask?.() ?? state.task;
}
