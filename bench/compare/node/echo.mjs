// 100 KiB Uint8Array echo (copied both ways), all submitted at once, 2 workers.
import { args, createPool, report } from "./_pools.mjs";

const { lib = "piscina", n = "2000" } = args();
const count = Number(n);
const payload = new Uint8Array(100 * 1024).fill(7);
const pool = await createPool(lib, 2);
await Promise.all(Array.from({ length: 10 }, () => pool.run("echo", payload)));
const t0 = performance.now();
const out = await Promise.all(
  Array.from({ length: count }, () => pool.run("echo", payload)),
);
const s = (performance.now() - t0) / 1000;
if (out[count - 1].byteLength !== payload.byteLength) {
  throw new Error("Wrong result");
}
await pool.close();
report({ per_s: count / s });
