// The subprocess bridge against shared memory: one value's round trip over
// a pipe end (and a Queue pair) that a child echoes, with the child on the
// "worker" backend (the end is shared memory: the baseline) and on the
// "subprocess" backend (the end is bridged: each call is a frame to the
// parent and a reply back).
// Run: deno bench --allow-all bench/subprocess_bridge_bench.ts
import { Pool } from "../pool/mod.ts";
import { type Connection, pipe, Queue } from "../ipc/mod.ts";
import type { Backend } from "../pool/mod.ts";

const module = new URL(
  "../tests/fixtures/subprocess_bridge_tasks.ts",
  import.meta.url,
);

const ends: Connection[] = [];
const queues: Queue<unknown>[] = [];
const pools: Pool[] = [];

function echoer(backend: Backend): Connection<number> {
  const [here, there] = pipe<number>();
  const pool = new Pool({ processes: 1, backend, module });
  void pool.apply("echoUntilClosed", [there]).catch(() => {});
  ends.push(here, there);
  pools.push(pool);
  return here;
}

function relayer(backend: Backend): [Queue<unknown>, Queue<unknown>] {
  const requests = new Queue<unknown>();
  const replies = new Queue<unknown>();
  const pool = new Pool({ processes: 1, backend, module });
  void pool.apply("relay", [requests, replies]).catch(() => {});
  queues.push(requests, replies);
  pools.push(pool);
  return [requests, replies];
}

const shared = echoer("worker");
const bridged = echoer("subprocess");
const [sharedIn, sharedOut] = relayer("worker");
const [bridgedIn, bridgedOut] = relayer("subprocess");
globalThis.addEventListener("unload", () => {
  for (const end of ends) end.close();
  for (const queue of queues) queue.close();
  for (const pool of pools) pool.terminate();
});

Deno.bench({
  name: "pipe end in a worker child (shared memory): send, echo, recv",
  group: "pipe round trip",
  baseline: true,
  async fn() {
    await shared.send(1);
    await shared.recv();
  },
});
Deno.bench({
  name: "pipe end bridged into a subprocess child: send, echo, recv",
  group: "pipe round trip",
  async fn() {
    await bridged.send(1);
    await bridged.recv();
  },
});
Deno.bench({
  name: "Queue pair in a worker child (shared memory): put, relay, get",
  group: "queue round trip",
  baseline: true,
  async fn() {
    await sharedIn.put(1);
    await sharedOut.get();
  },
});
Deno.bench({
  name: "Queue pair bridged into a subprocess child: put, relay, get",
  group: "queue round trip",
  async fn() {
    await bridgedIn.put(1);
    await bridgedOut.get();
  },
});
