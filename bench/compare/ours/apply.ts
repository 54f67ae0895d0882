// 100k tiny tasks submitted one by one (Pool.apply), all at once, 2 workers.
import { Pool } from "../../../pool/mod.ts";
import { flags, report, tasks } from "./_ours.ts";
import { inc } from "./tasks.ts";

const { n } = flags({ n: 100_000 });
await using pool = new Pool({ processes: 2, module: tasks });
await Promise.all(Array.from({ length: 1000 }, (_, i) => pool.apply(inc, [i])));
const t0 = performance.now();
const out = await Promise.all(
  Array.from({ length: n }, (_, i) => pool.apply(inc, [i])),
);
const s = (performance.now() - t0) / 1000;
if (out[n - 1] !== n) throw new Error("Wrong result");
report({ per_s: n / s });
