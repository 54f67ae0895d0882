// Idle memory per worker: process RSS growth with a Pool of 4 started, idle
// workers (each made to run one task first).
import { Pool } from "../../../pool/mod.ts";
import { flags, report, tasks } from "./_ours.ts";
import { sleep } from "./tasks.ts";

const { workers } = flags({ workers: 4 });
await new Promise((resolve) => setTimeout(resolve, 200));
const before = Deno.memoryUsage().rss;
await using pool = new Pool({ processes: workers, module: tasks });
await pool.map(sleep, Array.from({ length: workers }, () => 300), {
  chunksize: 1,
});
await new Promise((resolve) => setTimeout(resolve, 500));
const after = Deno.memoryUsage().rss;
const started = pool.stats.workers;
report({ mib: (after - before) / started / 2 ** 20, workers: started });
