// 2,000 CPU tasks of about 1 ms each through Pool.map on 2 workers: speed-up
// over running them serially on the main thread. The loop is calibrated first.
import { Pool } from "../../../pool/mod.ts";
import { flags, report, tasks } from "./_ours.ts";
import { spin } from "./tasks.ts";

const { n } = flags({ n: 2000 });
let iters = 1 << 14;
for (;;) {
  const t0 = performance.now();
  spin(iters);
  const ms = performance.now() - t0;
  if (ms >= 50) {
    iters = Math.round(iters / ms);
    break;
  }
  iters *= 2;
}
await using pool = new Pool({ processes: 2, module: tasks });
await pool.map(spin, Array.from({ length: 20 }, () => iters), { chunksize: 1 });
let t0 = performance.now();
for (let i = 0; i < n; i++) spin(iters);
const serial = performance.now() - t0;
t0 = performance.now();
await pool.map(spin, Array.from({ length: n }, () => iters));
const parallel = performance.now() - t0;
report({ speedup: serial / parallel, task_ms: serial / n, iters });
