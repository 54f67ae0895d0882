// Idle memory per worker: a Pool's worker against a bare Web Worker, as the
// growth of this process's RSS when N of them are started and idle.
//
//   deno run --allow-read bench/pool_memory.ts [N]
import { Pool } from "../pool/mod.ts";

const N = Number(Deno.args[0] ?? 8);
const module = new URL(
  "../tests/fixtures/pool_plain_tasks.ts",
  import.meta.url,
);
const rawUrl = new URL(
  "../tests/fixtures/pool_bench_worker.ts",
  import.meta.url,
);

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
const rss = () => Deno.memoryUsage().rss / 2 ** 20;

async function bare(): Promise<number> {
  await settle();
  const before = rss();
  const workers = Array.from(
    { length: N },
    () => new Worker(rawUrl, { type: "module" }),
  );
  await Promise.all(
    workers.map((w) => new Promise((resolve) => (w.onmessage = resolve))),
  );
  await settle();
  const grown = (rss() - before) / N;
  for (const w of workers) w.terminate();
  return grown;
}

async function pooled(): Promise<number> {
  await settle();
  const before = rss();
  const pool = new Pool({ processes: N, module });
  // One task per worker, all at once, so that every worker has booted.
  await pool.map("spin", Array(N).fill(20), { chunksize: 1 });
  await settle();
  const grown = (rss() - before) / N;
  pool.terminate();
  await pool.join();
  return grown;
}

const rounds: [number, number][] = [];
for (let i = 0; i < 3; i++) rounds.push([await bare(), await pooled()]);
const median = (xs: number[]) => xs.sort((a, b) => a - b)[1]!;
const b = median(rounds.map(([x]) => x));
const p = median(rounds.map(([, y]) => y));
console.log(
  `idle memory per worker: bare Worker ${b.toFixed(1)} MiB, Pool worker ${
    p.toFixed(1)
  } MiB (${(p / b).toFixed(2)}×)`,
);
