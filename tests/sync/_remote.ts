// A worker (tests/fixtures/sync_worker.ts) that tests call like a function:
// `await remote.call("increment", {...})`. It joins this thread's agent
// table, so that the test can mark it dead. Always dispose it (`await using`):
// Deno does not report a live worker as a leak.
import { agentTable } from "../../sync/_agent.ts";
import { describe } from "../../sync/_shareable.ts";

const fixture = new URL("../fixtures/sync_worker.ts", import.meta.url);

/** An error thrown inside the worker, rebuilt with its name. */
export class RemoteFailure extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** The description of a shareable primitive, as sent to a worker. */
export function desc(value: { [describe](): unknown }): unknown {
  return value[describe]();
}

export class Remote {
  readonly #worker: Worker;
  readonly #pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void }
  >();
  #next = 0;
  /** This worker's agent id in the test's agent table. */
  agentId = 0;

  private constructor() {
    this.#worker = new Worker(fixture, { type: "module" });
    this.#worker.onmessage = (event: MessageEvent) => {
      const { id, value, error } = event.data;
      const pending = this.#pending.get(id);
      if (pending === undefined) return;
      this.#pending.delete(id);
      if (error !== undefined) {
        pending.reject(new RemoteFailure(error.name, error.message));
      } else pending.resolve(value);
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      for (const pending of this.#pending.values()) {
        pending.reject(new Error(event.message));
      }
      this.#pending.clear();
    };
  }

  /**
   * Starts a worker that has joined this thread's agent table (unless
   * `join` is `false`: then it has a private id, as a user's raw worker).
   */
  static async start(join = true): Promise<Remote> {
    const remote = new Remote();
    remote.agentId = join
      ? await remote.call("join", { table: agentTable() }) as number
      : await remote.call("agentId") as number;
    return remote;
  }

  /** Runs `op` in the worker. */
  call<T = unknown>(op: string, args: unknown = {}): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, {
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      this.#worker.postMessage({ id, op, args });
    });
  }

  terminate(): void {
    this.#worker.terminate();
    this.#pending.clear(); // calls still running never settle
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.terminate();
    return Promise.resolve();
  }
}

/** Starts `n` remotes. */
export function remotes(n: number): Promise<Remote[]> {
  return Promise.all(Array.from({ length: n }, () => Remote.start()));
}
