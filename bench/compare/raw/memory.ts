// Raw baseline, memory: RSS growth per bare, started, idle Web Worker.
import { flags, RawWorker, report } from "./_raw.ts";

const { workers } = flags({ workers: 4 });
await new Promise((resolve) => setTimeout(resolve, 200));
const before = Deno.memoryUsage().rss;
const pool = Array.from({ length: workers }, () => new RawWorker());
await Promise.all(pool.map((w) => w.call(1)));
await new Promise((resolve) => setTimeout(resolve, 500));
const after = Deno.memoryUsage().rss;
for (const w of pool) w.close();
report({ mib: (after - before) / workers / 2 ** 20 });
