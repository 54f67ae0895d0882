// Manager round trips (issue 8): sequential dict.set/dict.get from a
// Worker, against the platform's cheapest general cross-thread round trip
// (postMessage ping-pong between two Workers, the baseline) and its
// fastest sleeping hand-off (Atomics.wait/notify ping-pong between two
// Workers), which a Manager call on the same-process lane rides. On a
// shared virtual machine the last swings by an order of magnitude with
// where the scheduler puts the threads: read the Manager row against it.
// Python's Manager().dict() from a child is measured separately
// (bench/compare). One iteration = 2,000 sequential round trips.
import { Manager } from "../ipc/mod.ts";
import { toTransferable } from "../ipc/_transfer.ts";

const FIXTURE = new URL(
  "../tests/fixtures/ipc_manager_bench_worker.ts",
  import.meta.url,
);
const ROUND_TRIPS = 2000;
const GROUP = "2,000 sequential round trips from a Worker";

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

const words = new SharedArrayBuffer(8);
const wordEcho = spawn();
const wordPinger = spawn();
await ask(wordEcho, { job: "wordEcho", words });
await ask(wordPinger, { job: "wordPing", words });

Deno.bench({
  name: "postMessage ping-pong between two Workers",
  group: GROUP,
  baseline: true,
  fn: async () => {
    await ask(pinger, { run: "ping", n: ROUND_TRIPS });
  },
});

Deno.bench({
  name: "Atomics.wait/notify ping-pong between two Workers",
  group: GROUP,
  fn: async () => {
    await ask(wordPinger, { run: "word", n: ROUND_TRIPS });
  },
});

Deno.bench({
  name: "Manager dict.set / dict.get (server in a Worker)",
  group: GROUP,
  fn: async () => {
    await ask(client, { run: "dict", n: ROUND_TRIPS });
  },
});

globalThis.addEventListener("unload", () => {
  // The word echo blocks in Atomics.wait: stop it before terminating.
  const w = new Int32Array(words);
  Atomics.store(w, 0, -1);
  Atomics.notify(w, 0);
  for (const worker of [client, echo, pinger, wordEcho, wordPinger]) {
    worker.terminate();
  }
  manager.shutdown();
});
