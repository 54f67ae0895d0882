// Pool start to first result: a new pool of 2 workers runs one tiny task.
import { args, createPool, preload, report } from "./_pools.mjs";

const { lib = "piscina" } = args();
await preload(lib);
const t0 = performance.now();
const pool = await createPool(lib, 2);
await pool.run("inc", 1);
const ms = performance.now() - t0;
await pool.close();
report({ ms });
