// Pipe round trips: the main thread sends a small int, a worker Process
// echoes it back; round trips per second and p50.
import { type Connection, pipe } from "../../../ipc/mod.ts";
import { Process } from "../../../pool/mod.ts";
import { flags, quantileUs, report } from "./_ours.ts";

/** Worker side: echoes every message until it receives `null`. */
export async function echoLoop(conn: Connection<number | null>): Promise<void> {
  for (;;) {
    const msg = await conn.recv();
    if (msg === null) return;
    await conn.send(msg);
  }
}

if (import.meta.main) {
  const { n } = flags({ n: 10_000 });
  const [here, there] = pipe<number | null>();
  const child = new Process({ target: echoLoop, args: [there] });
  await child.start();
  for (let i = 0; i < 500; i++) {
    await here.send(i);
    await here.recv();
  }
  const times = new Float64Array(n);
  const all = performance.now();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await here.send(i);
    if (await here.recv() !== i) throw new Error("Wrong echo");
    times[i] = performance.now() - t0;
  }
  const s = (performance.now() - all) / 1000;
  await here.send(null);
  await child.join();
  here.close();
  times.sort();
  report({ per_s: n / s, p50_us: quantileUs(times, 0.5) });
}
