// Idle memory per worker: process RSS growth with 4 started, idle workers.
import { args, createPool, preload, report, rss } from "./_pools.mjs";

const { lib = "piscina", workers = "4" } = args();
const count = Number(workers);
await preload(lib);
await new Promise((resolve) => setTimeout(resolve, 200));
const before = rss();
const pool = await createPool(lib, count);
await Promise.all(Array.from({ length: count }, () => pool.run("sleep", 300)));
await new Promise((resolve) => setTimeout(resolve, 500));
const after = rss();
await pool.close();
report({ mib: (after - before) / count / 2 ** 20 });
