// 100 KiB Uint8Array echo through Pool.map (default chunking, copied both
// ways), 2 workers. The arrays are distinct: structured clone would send one
// array repeated in a chunk only once.
import { Pool } from "../../../pool/mod.ts";
import { flags, report, tasks } from "./_ours.ts";
import { echo } from "./tasks.ts";

const { n } = flags({ n: 2000 });
const payloads = Array.from(
  { length: n },
  (_, i) => new Uint8Array(100 * 1024).fill(i % 256),
);
await using pool = new Pool({ processes: 2, module: tasks });
await pool.map(echo, payloads.slice(0, 10));
const t0 = performance.now();
const out = await pool.map(echo, payloads);
const s = (performance.now() - t0) / 1000;
if (out[n - 1]?.byteLength !== 100 * 1024) throw new Error("Wrong result");
report({ per_s: n / s });
