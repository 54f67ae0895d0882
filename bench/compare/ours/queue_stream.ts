// Queue throughput: a worker Process puts n small ints on a Queue, the main
// thread gets them. Timed from the first (sentinel) item received.
import { Queue } from "../../../ipc/mod.ts";
import { Process } from "../../../pool/mod.ts";
import { flags, report } from "./_ours.ts";

/** Worker side: a sentinel, then the ints 0..n-1. */
export async function produce(queue: Queue<number>, n: number): Promise<void> {
  await queue.put(-1);
  for (let i = 0; i < n; i++) await queue.put(i);
}

if (import.meta.main) {
  const { n } = flags({ n: 100_000 });
  const queue = new Queue<number>();
  const child = new Process({ target: produce, args: [queue, n] });
  await child.start();
  if (await queue.get() !== -1) throw new Error("Wrong sentinel");
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    if (await queue.get() !== i) throw new Error("Wrong item");
  }
  const s = (performance.now() - t0) / 1000;
  await child.join();
  queue.close();
  report({ per_s: n / s });
}
