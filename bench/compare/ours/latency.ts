// Sequential round trips: await one Pool.apply at a time, 2 workers.
import { Pool } from "../../../pool/mod.ts";
import { flags, quantileUs, report, tasks } from "./_ours.ts";
import { inc } from "./tasks.ts";

const { n } = flags({ n: 5000 });
await using pool = new Pool({ processes: 2, module: tasks });
for (let i = 0; i < 500; i++) await pool.apply(inc, [i]);
const times = new Float64Array(n);
for (let i = 0; i < n; i++) {
  const t0 = performance.now();
  await pool.apply(inc, [i]);
  times[i] = performance.now() - t0;
}
times.sort();
report({ p50_us: quantileUs(times, 0.5), p99_us: quantileUs(times, 0.99) });
