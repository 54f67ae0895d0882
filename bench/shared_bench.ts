// Benchmarks of shared/: element access through SharedArray (its typed
// `.view`, and checked `get`/`set`) against a plain, unshared Int32Array;
// and atomic increments of one SharedValue from two Workers at once,
// through `add()` and through raw `Atomics.add` on its view.
import { describe } from "../sync/_shareable.ts";
import { SharedArray } from "../shared/shared_array.ts";
import { SharedValue } from "../shared/shared_value.ts";

const N = 10_000;

const plain = new Int32Array(N);
const shared = new SharedArray("i", N, { lock: false });
let sink = 0;

Deno.bench({
  name: "plain Int32Array: read + write 10k elements",
  group: "element access",
  baseline: true,
  fn() {
    for (let i = 0; i < N; i++) plain[i] = plain[i]! + 1;
    sink += plain[0]!;
  },
});

Deno.bench({
  name: "SharedArray .view: read + write 10k elements",
  group: "element access",
  fn() {
    const view = shared.view;
    for (let i = 0; i < N; i++) view[i] = view[i]! + 1;
    sink += view[0]!;
  },
});

Deno.bench({
  name: "SharedArray get/set: read + write 10k elements",
  group: "element access",
  fn() {
    for (let i = 0; i < N; i++) shared.set(i, shared.get(i) + 1);
    sink += shared.get(0);
  },
});

// Two workers, started on first use and stopped when the bench ends.
const ADDS = 20_000;
const counter = new SharedValue("i", 0, { lock: false });
let workers: Worker[] | undefined;

function answer(worker: Worker): Promise<unknown> {
  return new Promise((resolve) => {
    worker.onmessage = (event) => resolve(event.data);
  });
}

async function pair(): Promise<Worker[]> {
  if (workers === undefined) {
    workers = [0, 1].map(() =>
      new Worker(
        new URL("../tests/fixtures/shared_bench_worker.ts", import.meta.url),
        { type: "module" },
      )
    );
    await Promise.all(workers.map((worker) => {
      const ready = answer(worker);
      worker.postMessage({ value: counter[describe]().data });
      return ready;
    }));
  }
  return workers;
}

async function race(via: "add" | "atomics"): Promise<void> {
  const both = await pair();
  const before = counter.load();
  await Promise.all(both.map((worker) => {
    const done = answer(worker);
    worker.postMessage({ count: ADDS, via });
    return done;
  }));
  if (counter.load() - before !== 2 * ADDS) throw new Error("lost updates");
}

globalThis.addEventListener("unload", () => {
  for (const worker of workers ?? []) worker.terminate();
});

Deno.bench({
  name: "raw Atomics.add: 2 Workers × 20k increments",
  group: "atomic add, 2 workers",
  baseline: true,
  async fn() {
    await race("atomics");
  },
});

Deno.bench({
  name: "SharedValue.add(): 2 Workers × 20k increments",
  group: "atomic add, 2 workers",
  async fn() {
    await race("add");
  },
});

globalThis.addEventListener("unload", () => {
  if (sink === -1) console.log(sink);
});
