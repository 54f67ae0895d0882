// Benchmarks of pool/: each group pits a Process/Pool workload against the
// raw platform doing the same job (a bare Web Worker, plain postMessage, or
// serial work on the main thread), marked `baseline: true`.
//
//   deno bench --allow-all bench/pool_bench.ts
//
// Idle memory per worker is measured by bench/pool_memory.ts (not a timing).
import { Pool, Process } from "../pool/mod.ts";
import { add, bytes, inc, spin } from "../tests/fixtures/pool_plain_tasks.ts";

const module = new URL(
  "../tests/fixtures/pool_plain_tasks.ts",
  import.meta.url,
);
const rawWorkerUrl = new URL(
  "../tests/fixtures/pool_bench_worker.ts",
  import.meta.url,
);
const bareTaskUrl = new URL(
  "../tests/fixtures/pool_bare_task_worker.ts",
  import.meta.url,
);

function rawWorker(): Promise<Worker> {
  const worker = new Worker(rawWorkerUrl, { type: "module" });
  return new Promise((resolve) => {
    worker.onmessage = () => resolve(worker);
  });
}

function ask(worker: Worker, message: unknown): Promise<unknown> {
  return new Promise((resolve) => {
    worker.onmessage = (event) => resolve(event.data);
    worker.postMessage(message);
  });
}

// --- start → first result -------------------------------------------------
// The baseline is what a hand-written child does: a bare Worker that imports
// the same task module, is sent the call at once, and posts one result.

Deno.bench({
  name: "bare new Worker importing the task module → first result",
  group: "start",
  baseline: true,
  n: 30,
  warmup: 3,
  async fn() {
    const worker = new Worker(bareTaskUrl, { type: "module" });
    await ask(worker, { name: "add", args: [1, 2] });
    worker.terminate();
  },
});

Deno.bench({
  name: "Process start → target done (join)",
  group: "start",
  n: 30,
  warmup: 3,
  async fn() {
    const child = new Process({ target: add, args: [1, 2], module });
    await child.start();
    await child.join();
  },
});

Deno.bench({
  name: "Pool(1) start → first apply result",
  group: "start",
  n: 30,
  warmup: 3,
  async fn() {
    const pool = new Pool({ processes: 1, module });
    await pool.apply(add, [1, 2]);
    pool.terminate();
    await pool.join();
  },
});

Deno.bench({
  name: "Pool(2) start → first apply result",
  group: "start",
  n: 30,
  warmup: 3,
  async fn() {
    const pool = new Pool({ processes: 2, module });
    await pool.apply(add, [1, 2]);
    pool.terminate();
    await pool.join();
  },
});

// --- throughput --------------------------------------------------------------

const N = 100_000;
const items = Array.from({ length: N }, (_, i) => i);
const pool = new Pool({ processes: 2, module });
await pool.map(inc, items.slice(0, 1000));
const raw = await rawWorker();

Deno.bench({
  name: "raw: 100k numbers to one worker and back (one message each way)",
  group: "map 100k",
  baseline: true,
  async fn() {
    await ask(raw, items);
  },
});

Deno.bench({
  name: "Pool.map(inc, 100k), default chunking",
  group: "map 100k",
  async fn() {
    await pool.map(inc, items);
  },
});

Deno.bench({
  name: "raw: 100k postMessage to one worker, all in flight",
  group: "apply 100k",
  baseline: true,
  n: 10,
  async fn() {
    let left = N;
    await new Promise<void>((resolve) => {
      raw.onmessage = () => {
        if (--left === 0) resolve();
      };
      for (let i = 0; i < N; i++) raw.postMessage(i);
    });
  },
});

Deno.bench({
  name: "Pool.apply × 100k via Promise.all",
  group: "apply 100k",
  n: 10,
  async fn() {
    await Promise.all(items.map((x) => pool.apply(inc, [x])));
  },
});

// --- latency -----------------------------------------------------------------

Deno.bench({
  name: "raw postMessage round trip",
  group: "round trip",
  baseline: true,
  async fn() {
    await ask(raw, 1);
  },
});

Deno.bench({
  name: "await Pool.apply (sequential)",
  group: "round trip",
  async fn() {
    await pool.apply(inc, [1]);
  },
});

// --- CPU-bound speed-up ------------------------------------------------------

Deno.bench({
  name: "serial: 2,000 × 1 ms of CPU on the main thread",
  group: "cpu 2000 × 1 ms",
  baseline: true,
  n: 3,
  warmup: 1,
  fn() {
    for (let i = 0; i < 2000; i++) spin(1);
  },
});

Deno.bench({
  name: "Pool(2).map(spin, 2,000 × 1 ms)",
  group: "cpu 2000 × 1 ms",
  n: 3,
  warmup: 1,
  async fn() {
    await pool.map(spin, Array(2000).fill(1));
  },
});

// --- binary payloads ---------------------------------------------------------

const payload = new Uint8Array(100 * 1024);

Deno.bench({
  name: "raw: 100 KiB Uint8Array echo (postMessage copy)",
  group: "echo 100 KiB",
  baseline: true,
  async fn() {
    await ask(raw, payload);
  },
});

Deno.bench({
  name: "Pool.apply(bytes, [100 KiB Uint8Array])",
  group: "echo 100 KiB",
  async fn() {
    await pool.apply(bytes, [payload]);
  },
});

// The same echo as a throughput, the way Python's Pool.map is measured
// (2,000 distinct 100 KiB arrays, all in flight): compare tasks/s with
// `python3` `Pool(2).map(echo, [bytes(100 * 1024) for _ in range(2000)])`.
const payloads = Array.from({ length: 2000 }, () => new Uint8Array(100 * 1024));

Deno.bench({
  name: "raw: 2,000 × 100 KiB postMessage copies to one worker, all in flight",
  group: "echo 2000 × 100 KiB",
  baseline: true,
  n: 20,
  warmup: 2,
  async fn() {
    let left = payloads.length;
    await new Promise<void>((resolve) => {
      raw.onmessage = () => {
        if (--left === 0) resolve();
      };
      for (const p of payloads) raw.postMessage(p);
    });
  },
});

Deno.bench({
  name: "Pool(2).map(bytes, 2,000 × 100 KiB), default chunking",
  group: "echo 2000 × 100 KiB",
  n: 20,
  warmup: 2,
  async fn() {
    await pool.map(bytes, payloads);
  },
});

globalThis.addEventListener("unload", () => {
  pool.terminate();
  raw.terminate();
});
