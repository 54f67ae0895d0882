/**
 * The error a task rejects with when its worker ends before sending its
 * result: a `WorkerExitError` naming the worker, the exit code and whether
 * the task was running or still waiting in the worker, with the worker's
 * uncaught error as `cause` when it crashed.
 *
 * @module
 */
import { deserializeError } from "../ipc/_transfer.ts";
import type { PoolSlot } from "./_pool_slot.ts";
import type { PoolTask } from "./_pool_task.ts";
import { RemoteError, WorkerExitError } from "./errors.ts";

/** The error for `task`, lost when `slot`'s worker exited with `code`. */
export function exitError(
  slot: PoolSlot,
  task: PoolTask,
  code: number,
): WorkerExitError {
  const child = slot.child;
  const running = slot.current().seq === task.seq;
  const record = child.exitError;
  const options = {
    exitCode: code,
    taskId: task.id,
    worker: child.name,
    ...(record !== null && child.exitPhase === "crash"
      ? { cause: new RemoteError(deserializeError(record)) }
      : {}),
  };
  const how = code === -15 || code === -9
    ? `was terminated (exit code ${code})`
    : `ended with exit code ${code}`;
  return new WorkerExitError(
    running
      ? `Worker "${child.name}" ${how} while running task ${task.id}`
      : `Worker "${child.name}" ${how} before sending the result of task ${task.id}`,
    options,
  );
}
