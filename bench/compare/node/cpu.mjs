// 2,000 CPU tasks of about 1 ms each on 2 workers: speed-up over running
// them serially on the main thread. The busy loop is calibrated here first.
import { args, createPool, report } from "./_pools.mjs";
import { spin } from "./tasks.mjs";

const { lib = "piscina", n = "2000" } = args();
const count = Number(n);
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
const pool = await createPool(lib, 2);
await Promise.all(Array.from({ length: 20 }, () => pool.run("spin", iters)));
let t0 = performance.now();
for (let i = 0; i < count; i++) spin(iters);
const serial = performance.now() - t0;
t0 = performance.now();
await Promise.all(
  Array.from({ length: count }, () => pool.run("spin", iters)),
);
const parallel = performance.now() - t0;
await pool.close();
report({ speedup: serial / parallel, task_ms: serial / count, iters });
