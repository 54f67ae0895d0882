// The worker of tests/ipc/ (tests/fixtures/ipc_worker.ts), through the
// remote of tests/sync/_remote.ts: arguments and results go through the
// package's transfer, so queues and pipe ends arrive revived, and
// terminating it marks its agent dead and fails its pending calls.
import { fromTransferable, toTransferable } from "../../ipc/_transfer.ts";
import { Remote as SyncRemote } from "../sync/_remote.ts";

/** A worker running tests/fixtures/ipc_worker.ts. */
export type Remote = SyncRemote;

/** Starts ipc workers. */
export const Remote = {
  /** Starts a worker that has joined this thread's agent table. */
  start(): Promise<Remote> {
    return SyncRemote.start(true, {
      fixture: new URL("../fixtures/ipc_worker.ts", import.meta.url),
      send: (args) => toTransferable(args),
      receive: fromTransferable,
      onTerminate: "fail",
    });
  },
};

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
