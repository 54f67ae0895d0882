// Idle memory per worker: a Pool's worker against a bare Web Worker that
// imports the same task module, as the growth of a process's RSS when N of
// them have started, each run one task (all at once, so every one of them
// has booted), and sit idle.
//
//   deno run --allow-read --allow-run bench/pool_memory.ts [N] [rounds]
//
// Each figure comes from a fresh process: a process that has just ended
// workers reuses their freed memory for the next ones, which flattered
// whichever side was measured second. Both sides run the same task
// (`spin(20)`, no timers: a worker's first timer alone adds about 1.7 MiB).
import { Pool } from "../pool/mod.ts";

const module = new URL(
  "../tests/fixtures/pool_plain_tasks.ts",
  import.meta.url,
);
const bareUrl = new URL(
  "../tests/fixtures/pool_bare_task_worker.ts",
  import.meta.url,
);
const TASK = { name: "spin", args: [20] };

const settle = (ms: number) =>
  new Promise((resolve) => setTimeout(resolve, ms));
const rss = () => Deno.memoryUsage().rss / 2 ** 20;

/** RSS growth per bare worker, in this process. */
async function bare(n: number): Promise<number> {
  await settle(200);
  const before = rss();
  const workers = Array.from(
    { length: n },
    () => new Worker(bareUrl, { type: "module" }),
  );
  await Promise.all(workers.map((w) =>
    new Promise((resolve) => {
      w.onmessage = resolve;
      w.postMessage(TASK);
    })
  ));
  await settle(300);
  const grown = (rss() - before) / n;
  for (const w of workers) w.terminate();
  return grown;
}

/** RSS growth per Pool worker, in this process. */
async function pooled(n: number): Promise<number> {
  await settle(200);
  const before = rss();
  const pool = new Pool({ processes: n, module });
  await pool.map(TASK.name, Array(n).fill(TASK.args[0]), { chunksize: 1 });
  await settle(300);
  const grown = (rss() - before) / pool.stats.workers;
  pool.terminate();
  await pool.join();
  return grown;
}

async function inChild(side: string, n: number): Promise<number> {
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", import.meta.filename!, side, String(n)],
    stderr: "inherit",
  }).output();
  return Number(new TextDecoder().decode(stdout).trim());
}

const [first, second] = Deno.args;
if (first === "bare" || first === "pool") {
  const n = Number(second);
  console.log(first === "bare" ? await bare(n) : await pooled(n));
} else {
  const n = Number(first ?? 8);
  const rounds = Number(second ?? 5);
  const b: number[] = [];
  const p: number[] = [];
  for (let i = 0; i < rounds; i++) {
    b.push(await inChild("bare", n));
    p.push(await inChild("pool", n));
  }
  const median = (xs: number[]) =>
    xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  console.log(
    `idle memory per worker (${n} workers, median of ${rounds} fresh ` +
      `processes each): bare Worker ${median(b).toFixed(2)} MiB, Pool worker ${
        median(p).toFixed(2)
      } MiB (${(median(p) / median(b)).toFixed(2)}×)`,
  );
}
