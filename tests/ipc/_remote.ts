// A worker (tests/fixtures/ipc_worker.ts) that tests call like a function:
// `await remote.call("produce", { queue, ... })`. Arguments and results go
// through the package's transfer, so queues and pipe ends arrive revived.
// The worker joins this thread's agent table, so a test can mark it dead.
// Always dispose it (`await using`): Deno does not report a live worker.
import { agentTable, markAgentDead } from "../../sync/_agent.ts";
import { fromTransferable, toTransferable } from "../../ipc/_transfer.ts";

const fixture = new URL("../fixtures/ipc_worker.ts", import.meta.url);

/** An error thrown inside the worker, rebuilt with its name. */
export class RemoteFailure extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export class Remote implements AsyncDisposable {
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
      } else pending.resolve(fromTransferable(value));
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      for (const pending of this.#pending.values()) {
        pending.reject(new Error(event.message));
      }
      this.#pending.clear();
    };
  }

  /** Starts a worker that has joined this thread's agent table. */
  static async start(): Promise<Remote> {
    const remote = new Remote();
    remote.agentId = await remote.call("join", {
      table: agentTable(),
    }) as number;
    return remote;
  }

  /** Runs operation `op` of the fixture with `args` in the worker. */
  call(op: string, args: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, op, args: toTransferable(args) });
    });
  }

  /** Terminates the worker and marks its agent dead (its locks abandoned). */
  terminate(): void {
    this.#worker.terminate();
    if (this.agentId !== 0) markAgentDead(this.agentId);
    for (const pending of this.#pending.values()) {
      pending.reject(new Error("worker terminated"));
    }
    this.#pending.clear();
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.terminate();
    return Promise.resolve();
  }
}

/** Waits until `condition()` holds, polling; fails after `ms`. */
export async function eventually(
  condition: () => boolean,
  what: string,
  ms = 20_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
