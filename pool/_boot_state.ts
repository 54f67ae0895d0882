/**
 * Per-thread state shared by every copy of this package in the thread.
 *
 * A child's bootstrap and the user's task module may load this package from
 * different URLs (a local path and JSR, two versions), which gives each copy
 * its own module state. What a task asks of "its" child (`currentTask()`,
 * `currentProcess()`, the re-entry guard) must not depend on which copy it
 * imported, so that state lives on `globalThis` under one registered symbol.
 *
 * @module
 */
import type { BootInfo } from "./_protocol.ts";

/** What `currentTask()` returns inside a task. */
export interface TaskContextLike {
  /** The task's id within its child. */
  readonly id: number;
  /** Aborted on timeout, `signal` or `terminate()`. */
  readonly signal: AbortSignal;
}

/** The thread's state. */
export interface BootState {
  /** Set (to the module URL) while the bootstrap imports the task module. */
  importing: string | undefined;
  /** How this child was started; `undefined` on a thread we did not start. */
  info: BootInfo | undefined;
  /** The running task of an isolated child. */
  task: TaskContextLike | undefined;
  /** The running task on a shared thread (the inline backend), if any. */
  inlineTask: (() => TaskContextLike | undefined) | undefined;
  /**
   * The `AsyncLocalStorage` of a shared thread (`_task_context.ts`), set
   * once tasks are tracked per async context.
   */
  storage?: TaskStorage | undefined;
  /** Children this thread has given a default name (`nextChildName`). */
  named?: number;
}

/** The part of `node:async_hooks`' `AsyncLocalStorage` a shared thread uses. */
export interface TaskStorage {
  /** The task of the current async context. */
  getStore(): TaskContextLike | undefined;
  /** Runs `body` with `store` as the task of its async context. */
  run<R>(store: TaskContextLike, body: () => R): R;
}

const KEY = Symbol.for("@mp/multiprocessing.boot");

/** This thread's state (created on first use). */
export function bootState(): BootState {
  const holder = globalThis as unknown as Record<symbol, BootState>;
  return holder[KEY] ??= {
    importing: undefined,
    info: undefined,
    task: undefined,
    inlineTask: undefined,
  };
}

/**
 * Throws when called while the bootstrap imports the task module: the module
 * creates a child at top level, which would spawn children recursively.
 */
export function assertNotImporting(what: string): void {
  const importing = bootState().importing;
  if (importing === undefined) return;
  throw new Error(
    `Cannot create ${what} while a child imports its task module ${importing}: ` +
      `the module starts children at top level, so every child would start ` +
      `more. Guard the script's own work with \`if (import.meta.main) { … }\` ` +
      `(Deno's \`if __name__ == "__main__"\`)`,
  );
}

/**
 * The next default child name of this thread, Python style: `"Process-3"`,
 * and inside child `"Process-2"`, `"Process-2:1"`.
 */
export function nextChildName(prefix: string): string {
  const state = bootState();
  const count = state.named = (state.named ?? 0) + 1;
  const parent = state.info?.name.match(/-([\d:]+)$/)?.[1];
  return `${prefix}-${parent === undefined ? "" : `${parent}:`}${count}`;
}
