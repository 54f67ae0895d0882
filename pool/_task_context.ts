/**
 * What `currentTask()` returns inside a child, and how the running task is
 * found: a per-thread slot on an isolated child (one task runs at a time),
 * an `AsyncLocalStorage` where other code shares the thread (inline), loaded
 * only then.
 *
 * The signal is made on first use. It aborts on the parent's `abort`
 * message and, for synchronous loops that never yield, whenever the task
 * reads `signal.aborted` (or `reason`, `throwIfAborted()`) after the parent
 * set the control block's `ABORT` word: those reads poll the word.
 *
 * @module
 */
import {
  bootState,
  type TaskContextLike,
  type TaskStorage,
} from "./_boot_state.ts";
import { ABORT, ABORT_KIND, TERMINATED, TIMED_OUT } from "./_protocol.ts";

const abortedGetter = Object.getOwnPropertyDescriptor(
  AbortSignal.prototype,
  "aborted",
)!.get!;
const reasonGetter = Object.getOwnPropertyDescriptor(
  AbortSignal.prototype,
  "reason",
)!.get!;

function abortReason(kind: number): DOMException {
  return kind === TIMED_OUT
    ? new DOMException("The task timed out", "TimeoutError")
    : new DOMException(
      kind === TERMINATED ? "The child was terminated" : "The task was aborted",
      "AbortError",
    );
}

/** One running task, as `currentTask()` shows it. */
export class TaskContext implements TaskContextLike {
  readonly id: number;
  readonly #control: Int32Array;
  #controller: AbortController | undefined;

  constructor(id: number, control: Int32Array) {
    this.id = id;
    this.#control = control;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = new AbortController();
      const signal = controller.signal;
      let polling = false;
      const poll = () => {
        if (polling || abortedGetter.call(signal)) return;
        const word = Atomics.load(this.#control, ABORT);
        if (word === -1 || (word > 0 && word === this.id)) {
          polling = true; // abort() reads `aborted` again
          try {
            controller.abort(
              abortReason(Atomics.load(this.#control, ABORT_KIND)),
            );
          } finally {
            polling = false;
          }
        }
      };
      Object.defineProperties(signal, {
        aborted: {
          get: () => (poll(), abortedGetter.call(signal) as boolean),
        },
        reason: { get: () => (poll(), reasonGetter.call(signal)) },
        throwIfAborted: {
          value: () => {
            poll();
            AbortSignal.prototype.throwIfAborted.call(signal);
          },
        },
      });
      this.#controller = controller;
      poll();
    }
    return this.#controller.signal;
  }

  /** Aborts the signal (if it was made) with the control block's reason. */
  abort(): void {
    const controller = this.#controller;
    if (controller === undefined || controller.signal.aborted) return;
    controller.abort(abortReason(Atomics.load(this.#control, ABORT_KIND)));
  }
}

/**
 * Kept out of every worker's module graph (no literal `import()`, no type
 * import): under `--check` (`deno test`, `deno bench`) a `node:` module in
 * a new worker's graph brings Node's type declarations into the check
 * cache lookup each child does at start, ~1 ms per child.
 */
const ASYNC_HOOKS = "node:async_hooks";

/** Tracks tasks per async context from now on (for a shared thread). */
export async function shareThread(): Promise<void> {
  if (bootState().storage !== undefined) return;
  const { AsyncLocalStorage } = await import(ASYNC_HOOKS) as {
    AsyncLocalStorage: new () => TaskStorage;
  };
  const state = bootState();
  if (state.storage !== undefined) return; // another copy got there first
  const current = new AsyncLocalStorage();
  state.storage = current;
  state.inlineTask = () => current.getStore();
}

/** Runs `body` as task `context`. */
export function runAs(context: TaskContext, body: () => unknown): unknown {
  const state = bootState();
  if (state.storage !== undefined) return state.storage.run(context, body);
  state.task = context;
  return body();
}

/** No task runs on this thread any more (isolated children). */
export function clearTask(): void {
  bootState().task = undefined;
}
