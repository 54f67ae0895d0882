// Benchmarks of ipc/, each group against a raw-platform baseline measured
// in the same run:
// - Queue throughput, one producer Worker → main, small ints and
//   `{ id, args }` objects, against a raw postMessage stream;
// - pipe round trips Worker ↔ Worker and main ↔ Worker against a raw
//   Atomics.wait/notify ping-pong;
// - 4 KiB messages Worker → Worker (sendBytes / recvBytes) against a
//   minimal single-producer single-consumer ring over a SharedArrayBuffer;
// - the codec against JSON, structuredClone and node:v8 for `{ id, args }`.
// Each iteration moves a batch; divide the batch by the time per iteration
// for items per second.
import * as v8 from "node:v8";
import { decode, decodeRange, encode, encodeScratch } from "../ipc/_codec.ts";
import { toTransferable } from "../ipc/_transfer.ts";
import { type Connection, pipe, Queue } from "../ipc/mod.ts";
import { RAW_DATA, RAW_SLOTS } from "../tests/fixtures/ipc_bench_worker.ts";

const ITEMS = 20_000;
const TRIPS = 2_000;
const BLOCKS = 10_000;
/** Iterations per worker benchmark (each moves a whole batch). */
const RUNS = 30;
const WARMUP = 3;

const fixture = new URL(
  "../tests/fixtures/ipc_bench_worker.ts",
  import.meta.url,
);
const workers: Worker[] = [];
let nextId = 0;

/** A worker whose `call(op, args)` resolves when the op has finished. */
class Bench {
  readonly worker = new Worker(fixture, { type: "module" });
  #pending = new Map<number, () => void>();
  onItem: ((data: unknown) => void) | undefined;
  constructor() {
    workers.push(this.worker);
    this.worker.onmessage = (event: MessageEvent) => {
      const data = event.data;
      if (data !== null && typeof data === "object" && "done" in data) {
        this.#pending.get(data.id)?.();
        this.#pending.delete(data.id);
      } else this.onItem?.(data);
    };
  }
  call(op: string, args: Record<string, unknown> = {}): Promise<void> {
    const id = nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.worker.postMessage({ id, op, args: toTransferable(args) });
    });
  }
}

globalThis.addEventListener("unload", () => {
  for (const worker of workers) worker.terminate();
});

const lazy = <T>(make: () => T): () => T => {
  let value: T | undefined;
  return () => value ??= make();
};

// --- Queue throughput -----------------------------------------------------

const producer = lazy(() => new Bench());
const queue = new Queue<unknown>();

async function queueStream(kind: string): Promise<void> {
  const done = producer().call("produce", { queue, n: ITEMS, kind });
  for (let i = 0; i < ITEMS; i++) await queue.get();
  await done;
}

async function postStream(kind: string): Promise<void> {
  const bench = producer();
  let left = ITEMS;
  const all = new Promise<void>((resolve) => {
    bench.onItem = () => {
      if (--left === 0) resolve();
    };
  });
  await bench.call("post", { n: ITEMS, kind });
  await all;
}

for (const kind of ["int", "obj"]) {
  const group = `queue ${
    kind === "int" ? "small ints" : "{ id, args }"
  }, Worker → main, ${ITEMS} items`;
  Deno.bench({
    name: "raw postMessage stream",
    group,
    baseline: true,
    n: RUNS,
    warmup: WARMUP,
    async fn() {
      await postStream(kind);
    },
  });
  Deno.bench({
    name: "Queue put (Worker) → get (main)",
    group,
    n: RUNS,
    warmup: WARMUP,
    async fn() {
      await queueStream(kind);
    },
  });
}

// --- Pipe round trips -----------------------------------------------------

const pipePair = lazy(() => {
  const [a, b] = pipe<number>();
  const echo = new Bench();
  const ping = new Bench();
  echo.call("echo", { conn: b });
  return { a, ping };
});

const flag = new Int32Array(new SharedArrayBuffer(4));
const pongs = lazy(() => {
  const pong = new Bench();
  pong.call("pong", { flag });
  return { pong, ping: new Bench() };
});

Deno.bench({
  name: "raw Atomics.wait/notify ping-pong",
  group: `round trips Worker ↔ Worker, ${TRIPS}`,
  baseline: true,
  n: RUNS,
  warmup: WARMUP,
  async fn() {
    await pongs().ping.call("ping2", { flag, n: TRIPS });
  },
});

Deno.bench({
  name: "pipe sendSync/recvSync",
  group: `round trips Worker ↔ Worker, ${TRIPS}`,
  n: RUNS,
  warmup: WARMUP,
  async fn() {
    await pipePair().ping.call("ping", { conn: pipePair().a, n: TRIPS });
  },
});

Deno.bench({
  name: "raw Atomics.waitAsync (main) ↔ wait (Worker)",
  group: `round trips main ↔ Worker, ${TRIPS}`,
  baseline: true,
  n: RUNS,
  warmup: WARMUP,
  async fn() {
    pongs();
    for (let i = 0; i < TRIPS; i++) {
      const v = Atomics.load(flag, 0) + 1;
      Atomics.store(flag, 0, v);
      Atomics.notify(flag, 0);
      while (Atomics.load(flag, 0) === v) {
        const wait = Atomics.waitAsync(flag, 0, v);
        if (wait.async) await wait.value;
      }
    }
  },
});

const mainPipe = lazy(() => {
  const [a, b] = pipe<number>();
  new Bench().call("echo", { conn: b });
  return a;
});

Deno.bench({
  name: "pipe send/recv (main) ↔ sendSync/recvSync (Worker)",
  group: `round trips main ↔ Worker, ${TRIPS}`,
  n: RUNS,
  warmup: WARMUP,
  async fn() {
    const conn: Connection<number> = mainPipe();
    for (let i = 0; i < TRIPS; i++) {
      await conn.send(i);
      await conn.recv();
    }
  },
});

// --- 4 KiB messages -------------------------------------------------------

const blockWorkers = lazy(() => [new Bench(), new Bench()] as const);
const rawRing = new SharedArrayBuffer(RAW_DATA + RAW_SLOTS * 4096);
const blockPipe = lazy(() => pipe({ bufferSize: 1 << 20 }));

Deno.bench({
  name: "raw SPSC ring over a SharedArrayBuffer",
  group: `4 KiB messages Worker → Worker, ${BLOCKS}`,
  baseline: true,
  n: RUNS,
  warmup: WARMUP,
  async fn() {
    const [from, to] = blockWorkers();
    await Promise.all([
      from.call("rawProduce", { buffer: rawRing, n: BLOCKS }),
      to.call("rawConsume", { buffer: rawRing, n: BLOCKS }),
    ]);
  },
});

Deno.bench({
  name: "pipe sendBytesSync → recvBytesSync",
  group: `4 KiB messages Worker → Worker, ${BLOCKS}`,
  n: RUNS,
  warmup: WARMUP,
  async fn() {
    const [from, to] = blockWorkers();
    const [reader, writer] = blockPipe();
    await Promise.all([
      from.call("sendBytes", { conn: writer, n: BLOCKS }),
      to.call("recvBytes", { conn: reader, n: BLOCKS }),
    ]);
  },
});

Deno.bench({
  name: "pipe sendBytesSync → recvBytesIntoSync (one reused buffer)",
  group: `4 KiB messages Worker → Worker, ${BLOCKS}`,
  n: RUNS,
  warmup: WARMUP,
  async fn() {
    const [from, to] = blockWorkers();
    const [reader, writer] = blockPipe();
    await Promise.all([
      from.call("sendBytes", { conn: writer, n: BLOCKS }),
      to.call("recvBytesInto", { conn: reader, n: BLOCKS }),
    ]);
  },
});

// --- Codec ----------------------------------------------------------------

const task = { id: 12345, args: [7, "task", 1.5] };
let sink: unknown;

Deno.bench({
  name: "JSON stringify + parse",
  group: "encode + decode { id, args }",
  baseline: true,
  fn() {
    sink = JSON.parse(JSON.stringify(task));
  },
});

Deno.bench({
  name: "ipc codec, as the ring uses it (scratch buffer, decode in place)",
  group: "encode + decode { id, args }",
  fn() {
    const encoded = encodeScratch(task);
    sink = decodeRange(encoded.buf, 0, encoded.length);
  },
});

Deno.bench({
  name: "ipc codec, to a fresh buffer and back (sockets)",
  group: "encode + decode { id, args }",
  fn() {
    sink = decode(encode(task));
  },
});

Deno.bench({
  name: "structuredClone",
  group: "encode + decode { id, args }",
  fn() {
    sink = structuredClone(task);
  },
});

Deno.bench({
  name: "node:v8 serialize + deserialize",
  group: "encode + decode { id, args }",
  fn() {
    sink = v8.deserialize(v8.serialize(task));
  },
});

globalThis.addEventListener("unload", () => {
  if (sink === -1) console.log(sink);
});
