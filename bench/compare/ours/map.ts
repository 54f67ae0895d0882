// 100k tiny tasks through Pool.map with its default chunking, 2 workers.
import { Pool } from "../../../pool/mod.ts";
import { flags, report, tasks } from "./_ours.ts";
import { inc } from "./tasks.ts";

const { n } = flags({ n: 100_000 });
await using pool = new Pool({ processes: 2, module: tasks });
await pool.map(inc, Array.from({ length: 1000 }, (_, i) => i));
const items = Array.from({ length: n }, (_, i) => i);
const t0 = performance.now();
const out = await pool.map(inc, items);
const s = (performance.now() - t0) / 1000;
if (out[n - 1] !== n) throw new Error("Wrong result");
report({ per_s: n / s });
