// 100 KiB Uint8Array echo through Pool.map (default chunking), 2 workers:
// copied both ways, or with --move=1 moved both ways (`move()` on each
// argument, and the task `echoMoved` moves its result back). The arrays are
// distinct: structured clone would send one array repeated in a chunk only
// once.
import { move, Pool } from "../../../pool/mod.ts";
import { flags, report, tasks } from "./_ours.ts";
import { echo, echoMoved } from "./tasks.ts";

const { n, move: moved } = flags({ n: 2000, move: 0 });
const make = (count: number) =>
  Array.from(
    { length: count },
    (_, i) => new Uint8Array(100 * 1024).fill(i % 256),
  );
const warm = make(10);
const payloads = make(n);
await using pool = new Pool({ processes: 2, module: tasks });
if (moved) await pool.map(echoMoved, warm.map(move));
else await pool.map(echo, warm);
const t0 = performance.now();
const out = moved
  ? await pool.map(echoMoved, payloads.map(move))
  : await pool.map(echo, payloads);
const s = (performance.now() - t0) / 1000;
if (out[n - 1]?.byteLength !== 100 * 1024) throw new Error("Wrong result");
if (out[n - 1]![0] !== (n - 1) % 256) throw new Error("Wrong bytes");
report({ per_s: n / s });
