// Manager round trips (issue 8): sequential dict.set/dict.get from a
// Worker, against the platform's cheapest general cross-thread round trip
// (postMessage ping-pong between two Workers). Python's
// Manager().dict() from a child is measured separately (bench/compare).
// One iteration = 2,000 sequential round trips.
import { Manager } from "../ipc/mod.ts";
import { toTransferable } from "../ipc/_transfer.ts";

const FIXTURE = new URL(
  "../tests/fixtures/ipc_manager_bench_worker.ts",
  import.meta.url,
);
const ROUND_TRIPS = 2000;

function spawn(): Worker {
  return new Worker(FIXTURE, { type: "module" });
}

function ask(worker: Worker, message: unknown, transfer: Transferable[] = []) {
  return new Promise<void>((resolve) => {
    worker.onmessage = () => resolve();
    worker.postMessage(message, transfer);
  });
}

const manager = await Manager.start();
const dict = await manager.dict<number, number>();
const client = spawn();
await ask(client, toTransferable({ job: "dict", dict }));

const echo = spawn();
const pinger = spawn();
const { port1, port2 } = new MessageChannel();
await ask(echo, { job: "echo", port: port1 }, [port1]);
await ask(pinger, { job: "ping", port: port2 }, [port2]);

Deno.bench({
  name: "postMessage ping-pong between two Workers",
  group: "2,000 sequential round trips from a Worker",
  baseline: true,
  fn: async () => {
    await ask(pinger, { run: "ping", n: ROUND_TRIPS });
  },
});

Deno.bench({
  name: "Manager dict.set / dict.get (server in a Worker)",
  group: "2,000 sequential round trips from a Worker",
  fn: async () => {
    await ask(client, { run: "dict", n: ROUND_TRIPS });
  },
});

globalThis.addEventListener("unload", () => {
  for (const worker of [client, echo, pinger]) worker.terminate();
  manager.shutdown();
});
