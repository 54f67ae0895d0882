/**
 * Starting a `Process`'s child, and reading its end: the one place that
 * decides whether the child ran its target (its error, if it threw, is the
 * process's `error`) or ended before it did (the start error that `start()`
 * and `join()` reject with: the target is not exported, the task module
 * failed to load, or the child ended first).
 *
 * @module
 */
import { deserializeError, toTransferable } from "../ipc/_transfer.ts";
import { Child, type ChildOptions } from "./_child.ts";
import type { FnDef } from "./_protocol.ts";
import { RemoteError, WorkerExitError } from "./errors.ts";

/** How a process's child ended, as far as its caller cares. */
export interface ProcessEnd {
  /** Why the target never ran, when it did not; `start()` rejects with it. */
  startError?: unknown;
  /** The error the target threw. */
  error?: RemoteError;
}

/** A started child of a process. */
export interface ProcessStart {
  child: Child;
  /** Resolves once the child runs the target; rejects with the start error. */
  running: Promise<void>;
}

/**
 * Creates and starts the child that runs `def(...args)`; `onEnd` is called
 * once when it ends, before `running` settles.
 *
 * @throws What `Child` and `toTransferable` throw: `NotCapable` when the
 * child cannot start, `TypeError` when `args` cannot cross.
 */
export function startProcess(
  options: Omit<ChildOptions, "mode">,
  def: FnDef,
  args: unknown[],
  onEnd: (end: ProcessEnd) => void,
): ProcessStart {
  const child = new Child({ ...options, mode: "process" });
  const sendable = toTransferable(args, {
    name: "args",
    crossProcess: child.crossProcess,
    bridge: true,
  });
  const running = new Promise<void>((resolve, reject) => {
    child.onMessage = (message) => {
      if (message.t === "ready") resolve();
    };
    child.onExit = (code) => {
      const end = endOf(child);
      onEnd(end);
      reject(
        "startError" in end ? end.startError : new WorkerExitError(
          `Cannot run the target of Process "${child.name}" as the child ended first with exit code ${code}`,
          { exitCode: code, worker: child.name },
        ),
      );
    };
  });
  child.start({ fn: def, args: sendable });
  return { child, running };
}

function endOf(child: Child): ProcessEnd {
  const record = child.exitError;
  if (record === null) return {};
  const remote = deserializeError(record);
  switch (child.exitPhase) {
    case "resolve":
      return { startError: remote };
    case "import":
      return { startError: new RemoteError(remote) };
    default:
      return { error: new RemoteError(remote) };
  }
}
