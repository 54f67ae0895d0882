// Benchmarks of the "subprocess" backend: start → first result, sequential
// round trips, and tiny-task throughput with batching, each against a raw
// `deno run` child (the baseline). Python's multiprocessing.Pool with the
// "spawn" start method runs the same workloads once at load (when python3
// is on PATH) and its figures are printed above the table.
// Run: deno bench --allow-all bench/subprocess_bench.ts
import { Pool, Process } from "../pool/mod.ts";

const module = new URL(
  "../tests/fixtures/subprocess_tasks.ts",
  import.meta.url,
);
const echo = new URL("../tests/fixtures/subprocess_echo.ts", import.meta.url);
const python = new URL("./compare/python/", import.meta.url);
const TINY = 100_000;
const items = Array.from({ length: TINY }, (_, i) => i);

async function pythonFigures(): Promise<string> {
  const run = async (script: string) => {
    const output = await new Deno.Command("python3", {
      args: [script, "--start-method=spawn"],
      cwd: python,
      stdout: "piped",
      stderr: "null",
    }).output();
    const line = new TextDecoder().decode(output.stdout).match(
      /^RESULT (.*)$/m,
    );
    return line === null ? undefined : JSON.parse(line[1]!);
  };
  try {
    const start = await run("start.py");
    const latency = await run("latency.py");
    const map = await run("map.py");
    return `Python mp.Pool(2, "spawn"): start → first result ${
      start?.ms.toFixed(1)
    } ms; round trip p50 ${
      latency?.p50_us.toFixed(0)
    } µs; map of ${TINY} tiny tasks ${(map?.per_s / 1e6).toFixed(2)} M/s`;
  } catch (error) {
    return `Python figures unavailable: ${(error as Error).message}`;
  }
}
console.log(await pythonFigures());

/** A raw child that echoes its stdin, for the baselines. */
function rawChild() {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", echo.href],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  const reader = child.stdout.getReader();
  return {
    async roundTrip(bytes: Uint8Array): Promise<void> {
      await writer.write(bytes);
      let got = 0;
      while (got < bytes.length) got += (await reader.read()).value!.length;
    },
    async close(): Promise<void> {
      await writer.close();
      while (!(await reader.read()).done) { /* drain */ }
      await child.status;
    },
  };
}

// --- Start → first result ----------------------------------------------------

Deno.bench({
  name: "raw deno run child: spawn → exit",
  group: "start",
  baseline: true,
  n: 20,
  warmup: 2,
  async fn() {
    const child = rawChild();
    await child.close();
  },
});
Deno.bench({
  name: "Process (subprocess): start() → join()",
  group: "start",
  n: 20,
  warmup: 2,
  async fn() {
    const child = new Process({
      target: "square",
      args: [3],
      module,
      backend: "subprocess",
    });
    await child.start();
    await child.join();
  },
});
Deno.bench({
  name: "Pool(2, subprocess): new → first apply() result",
  group: "start",
  n: 20,
  warmup: 2,
  async fn(b) {
    b.start();
    const pool = new Pool({ processes: 2, backend: "subprocess", module });
    await pool.apply("square", [3]);
    b.end();
    await pool.close();
    await pool.join();
  },
});

// --- Round trip -------------------------------------------------------------

const raw = rawChild();
const small = new Uint8Array(32);
const pool = new Pool({ processes: 2, backend: "subprocess", module });
await pool.map("square", items.slice(0, 1000));
globalThis.addEventListener("unload", () => pool.terminate());

Deno.bench({
  name: "raw stdio pipe: 32 B to a deno run child and back",
  group: "round trip",
  baseline: true,
  async fn() {
    await raw.roundTrip(small);
  },
});
Deno.bench({
  name: "Pool(2, subprocess).apply(square, [x])",
  group: "round trip",
  async fn() {
    await pool.apply("square", [3]);
  },
});

// --- Tiny-task throughput ----------------------------------------------------

const chunkBytes = new TextEncoder().encode(
  JSON.stringify(items.slice(0, TINY / 8)),
);

Deno.bench({
  name: `raw stdio pipe: ${TINY} ints as JSON in 8 chunks, there and back`,
  group: "throughput",
  baseline: true,
  n: 30,
  async fn() {
    for (let i = 0; i < 8; i++) await raw.roundTrip(chunkBytes);
  },
});
Deno.bench({
  name: `Pool(2, subprocess).map(square, ${TINY} items), default chunking`,
  group: "throughput",
  n: 30,
  async fn() {
    await pool.map("square", items);
  },
});
Deno.bench({
  name: `Pool(2, subprocess).map(square, ${TINY} items), chunksize 1`,
  group: "throughput",
  n: 3,
  warmup: 1,
  async fn() {
    await pool.map("square", items, { chunksize: 1 });
  },
});
