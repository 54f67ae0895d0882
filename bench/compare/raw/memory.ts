// Raw baseline, memory: RSS growth per bare, started, idle Web Worker that
// imports the task module and has run the same task as ours (`sleep(300)`,
// all at once: a worker's first timer alone costs it about 1.7 MiB).
import { flags, report } from "./_raw.ts";

const url = new URL("./_task_worker.ts", import.meta.url);
const { workers } = flags({ workers: 4 });
await new Promise((resolve) => setTimeout(resolve, 200));
const before = Deno.memoryUsage().rss;
const pool = Array.from(
  { length: workers },
  () => new Worker(url, { type: "module" }),
);
await Promise.all(pool.map((worker) =>
  new Promise((resolve) => {
    worker.onmessage = resolve;
    worker.postMessage({ name: "sleep", args: [300] });
  })
));
await new Promise((resolve) => setTimeout(resolve, 500));
const after = Deno.memoryUsage().rss;
for (const worker of pool) worker.terminate();
report({ mib: (after - before) / workers / 2 ** 20 });
