// A worker that tests call like a function: `await remote.call("op", args)`
// runs operation `op` of a fixture (tests/fixtures/sync_worker.ts unless
// told otherwise), which answers `{ id, value }` or `{ id, error }`. The
// worker joins this thread's agent table, so a test can mark it dead.
// Always dispose it (`await using`): Deno does not report a live worker.
import { agentTable, markAgentDead } from "../../sync/_agent.ts";
import { describe } from "../../sync/_shareable.ts";

/** How a kind of remote talks to its fixture. */
export interface RemoteOptions {
  /** The fixture module. Default: tests/fixtures/sync_worker.ts. */
  fixture?: URL;
  /** Prepares a call's arguments for `postMessage`. Default: as they are. */
  send?: (args: unknown) => unknown;
  /** Turns an answer's value back. Default: as it is. */
  receive?: (value: unknown) => unknown;
  /**
   * What `terminate()` does to the worker's agent and its pending calls:
   * `"forget"` leaves them (the calls never settle), `"fail"` marks the
   * agent dead (its locks abandoned) and rejects the calls. Default
   * `"forget"`.
   */
  onTerminate?: "forget" | "fail";
}

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

const asIs = (value: unknown) => value;

export class Remote implements AsyncDisposable {
  readonly #worker: Worker;
  readonly #pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void }
  >();
  readonly #send: (args: unknown) => unknown;
  readonly #fail: boolean;
  #next = 0;
  /** This worker's agent id in the test's agent table. */
  agentId = 0;

  private constructor(options: RemoteOptions) {
    const receive = options.receive ?? asIs;
    this.#send = options.send ?? asIs;
    this.#fail = options.onTerminate === "fail";
    this.#worker = new Worker(
      options.fixture ?? new URL("../fixtures/sync_worker.ts", import.meta.url),
      { type: "module" },
    );
    this.#worker.onmessage = (event: MessageEvent) => {
      const { id, value, error } = event.data;
      const pending = this.#pending.get(id);
      if (pending === undefined) return;
      this.#pending.delete(id);
      if (error !== undefined) {
        pending.reject(new RemoteFailure(error.name, error.message));
      } else pending.resolve(receive(value));
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
  static async start(
    join = true,
    options: RemoteOptions = {},
  ): Promise<Remote> {
    const remote = new Remote(options);
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
      this.#worker.postMessage({ id, op, args: this.#send(args) });
    });
  }

  /** Terminates the worker (see `RemoteOptions.onTerminate`). */
  terminate(): void {
    this.#worker.terminate();
    if (this.#fail) {
      if (this.agentId !== 0) markAgentDead(this.agentId);
      for (const pending of this.#pending.values()) {
        pending.reject(new Error("worker terminated"));
      }
    }
    this.#pending.clear();
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
