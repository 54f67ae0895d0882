// Sequential round trips: await one tiny task at a time on 2 workers.
import { args, createPool, report } from "./_pools.mjs";

const { lib = "piscina", n = "5000" } = args();
const count = Number(n);
const pool = await createPool(lib, 2);
for (let i = 0; i < 500; i++) await pool.run("inc", i);
const times = new Float64Array(count);
for (let i = 0; i < count; i++) {
  const t0 = performance.now();
  await pool.run("inc", i);
  times[i] = performance.now() - t0;
}
await pool.close();
times.sort();
report({
  p50_us: times[Math.floor(count * 0.5)] * 1000,
  p99_us: times[Math.floor(count * 0.99)] * 1000,
});
