/**
 * How a worker node runs one item: the one seam between the cluster and
 * the machine's own workers.
 *
 * The node imports the task module itself once, to refuse at start a
 * module that does not load and, per call, an export that is missing, not
 * a function, or whose source text differs from the caller's (by
 * `sourceHash`). The item then runs on the node's local `Pool`, one
 * `apply()` per item (the pool batches them to its workers). A task's own
 * exception comes back as the remote error itself (the `cause` of the
 * pool's `RemoteError`), so the caller can wrap it once; a worker that
 * died under the item gives its `WorkerExitError`.
 *
 * `runEntry` counts attempts: an entry's `attempt` field (bumped each time
 * failed items are put back) plus its deliveries beyond the first (each
 * take-over of a dead node's entry is one). Past the caller's
 * `maxAttempts` the items are not run again but fail with a
 * `TaskLostError` (the nodes running them kept dying), as their last
 * attempt.
 *
 * @module
 */
import { pathToFileURL } from "node:url";
import type { Backend } from "../pool/backend.ts";
import { RemoteError } from "../pool/errors.ts";
import { Pool } from "../pool/pool.ts";
import type { Finished } from "./_node_flush.ts";
import { type Outcome, sourceHash, type TaskEntry } from "./_task_wire.ts";

/** Runs items of one task module. */
export interface NodeRunner {
  /** The module's URL. */
  readonly module: string;
  /** `undefined` when `fn` may run here, else the error to report. */
  check(fn: string, hash: string): Error | undefined;
  /** Runs `fn(...args)`; rejects with what it threw. */
  run(fn: string, args: unknown[]): Promise<unknown>;
  /** Stops what the runner started. */
  close(): Promise<void>;
}

/** What the runner is asked to start. */
export interface RunnerOptions {
  module: string | URL;
  processes: number;
  backend: Backend;
}

/** A module specifier or path as a URL (paths resolve against the cwd). */
export function moduleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (/^[a-z][a-z0-9+.-]+:/i.test(module)) return module;
  return pathToFileURL(module).href;
}

/**
 * Imports the module and returns its runner.
 *
 * @throws {TypeError} when the module cannot be imported.
 */
export async function startRunner(options: RunnerOptions): Promise<NodeRunner> {
  const module = moduleUrl(options.module);
  let exports: Record<string, unknown>;
  try {
    exports = await import(module);
  } catch (error) {
    throw new TypeError(
      `Cannot start the worker node as its task module failed to load: received "${module}"`,
      { cause: error },
    );
  }
  const hashes = new Map<string, string>();
  const check = (fn: string, hash: string): Error | undefined => {
    const target = Object.hasOwn(exports, fn) ? exports[fn] : undefined;
    if (typeof target !== "function") {
      return new TypeError(
        `Cannot run "${fn}" as the worker node's module does not export a function of that name: received "${module}"; export it from that module`,
      );
    }
    if (hash === "") return undefined;
    let own = hashes.get(fn);
    if (own === undefined) {
      own = sourceHash(target.toString());
      hashes.set(fn, own);
    }
    if (own !== hash) {
      return new TypeError(
        `Cannot run "${fn}" as the worker node's export of that name has other source code than the caller's function: received "${module}"; deploy the same module to every node`,
      );
    }
    return undefined;
  };
  const pool = new Pool({
    module,
    processes: options.processes,
    backend: options.backend,
  });
  return {
    module,
    check,
    run: (fn, args) =>
      pool.apply(fn, args).catch((error) => {
        throw error instanceof RemoteError ? error.cause : error;
      }),
    close: async () => {
      pool.close();
      await pool.join();
    },
  };
}

/** Runs the items of one entry (or fails them all when out of attempts). */
export function runEntry(
  runner: NodeRunner,
  streamId: string,
  task: TaskEntry,
  deliveries: number,
): Finished | Promise<Finished> {
  const attempt = task.attempt + deliveries - 1;
  if (attempt > task.maxAttempts) {
    const error = new Error(
      `Cannot finish task "${task.fn}" as the worker nodes running it stopped ${
        deliveries - 1
      } time(s) before it ended`,
    );
    error.name = "TaskLostError";
    return {
      streamId,
      task: { ...task, attempt: task.maxAttempts },
      outcomes: task.ids.map((id) => ({ id, ok: false, value: error })),
    };
  }
  const current = { ...task, attempt };
  const problem = runner.check(task.fn, task.hash);
  return Promise.all(task.ids.map((id, i): Promise<Outcome> | Outcome => {
    if (problem !== undefined) return { id, ok: false, value: problem };
    return runner.run(task.fn, task.args[i]!).then(
      (value) => ({ id, ok: true, value }),
      (value) => ({ id, ok: false, value }),
    );
  })).then((outcomes) => ({ streamId, task: current, outcomes }));
}
