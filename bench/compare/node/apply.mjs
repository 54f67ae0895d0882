// 100k tiny tasks submitted one by one, all at once, on 2 workers.
import { args, createPool, report } from "./_pools.mjs";

const { lib = "piscina", n = "100000" } = args();
const count = Number(n);
const pool = await createPool(lib, 2);
await Promise.all(Array.from({ length: 1000 }, (_, i) => pool.run("inc", i)));
const t0 = performance.now();
const out = await Promise.all(
  Array.from({ length: count }, (_, i) => pool.run("inc", i)),
);
const s = (performance.now() - t0) / 1000;
if (out[count - 1] !== count) throw new Error("Wrong result");
await pool.close();
report({ per_s: count / s });
