// Pool start to first result: a new Pool of 2 workers runs one tiny task.
import { Pool } from "../../../pool/mod.ts";
import { report, tasks } from "./_ours.ts";
import { inc } from "./tasks.ts";

const t0 = performance.now();
await using pool = new Pool({ processes: 2, module: tasks });
await pool.apply(inc, [1]);
report({ ms: performance.now() - t0 });
