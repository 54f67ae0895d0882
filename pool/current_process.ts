/**
 * `activeChildren()` and `currentProcess()`: the processes around this
 * code, as `Process` objects (Python's `active_children` and
 * `current_process`).
 *
 * @module
 */
import { agentId } from "../sync/_agent.ts";
import { bootState } from "./_boot_state.ts";
import { liveChildren } from "./_child.ts";
import { makeFacade } from "./_process_facade.ts";
import "./process.ts"; // registers the facade builder
import type { Process } from "./process.ts";

let current: Process | undefined;

/**
 * The children of this thread (processes and pool workers) that have
 * started and not ended, as `Process` objects.
 *
 * @returns The live children, oldest first.
 *
 * @example
 * ```ts
 * import { activeChildren, Process } from "@mp/multiprocessing/pool";
 * import assert from "node:assert/strict";
 *
 * const child = new Process({
 *   target: "sleep",
 *   args: [60_000],
 *   module: new URL("../tests/fixtures/pool_tasks.ts", import.meta.url),
 * });
 * await child.start();
 * assert.deepEqual(activeChildren(), [child]);
 * child.terminate();
 * await child.join();
 * assert.deepEqual(activeChildren(), []);
 * ```
 */
export function activeChildren(): Process[] {
  return liveChildren().map((child) => {
    child.owner ??= makeFacade({
      child,
      name: child.name,
      pid: child.pid,
      daemon: child.daemon,
    });
    return child.owner as Process;
  });
}

/**
 * The process this code runs in: inside a child, its `Process` (name, pid,
 * daemon); elsewhere the main process (`"MainProcess"`, `Deno.pid`).
 *
 * @returns The current process.
 *
 * @example
 * ```ts
 * import { currentProcess } from "@mp/multiprocessing/pool";
 * import assert from "node:assert/strict";
 *
 * assert.equal(currentProcess().name, "MainProcess");
 * assert.equal(currentProcess().isAlive, true);
 * ```
 */
export function currentProcess(): Process {
  if (current !== undefined) return current;
  const info = bootState().info;
  const inWorker = "WorkerGlobalScope" in globalThis;
  current = makeFacade(
    info !== undefined
      ? {
        child: undefined,
        name: info.name,
        pid: info.pid,
        daemon: info.daemon,
      }
      : {
        child: undefined,
        name: inWorker
          ? String((globalThis as { name?: unknown }).name || "Worker")
          : "MainProcess",
        pid: inWorker ? agentId() : Deno.pid,
        daemon: false,
      },
  );
  return current;
}
