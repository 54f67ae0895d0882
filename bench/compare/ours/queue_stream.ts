// Queue throughput: a worker Process puts small ints on a Queue, the main
// thread gets them. After a sentinel, `WARMUP` items go through the same
// code untimed (so the JIT has compiled both loops before the clock starts,
// as the Python script's interpreter needs no warming), then n timed ones.
import { Queue } from "../../../ipc/mod.ts";
import { Process } from "../../../pool/mod.ts";
import { flags, report } from "./_ours.ts";

/** Items received before the clock starts. */
const WARMUP = 20_000;

/** Worker side: a sentinel, then the ints 0..count-1. */
export async function produce(
  queue: Queue<number>,
  count: number,
): Promise<void> {
  await queue.put(-1);
  for (let i = 0; i < count; i++) await queue.put(i);
}

/** Gets the ints from..to-1, in order. */
async function take(
  queue: Queue<number>,
  from: number,
  to: number,
): Promise<void> {
  for (let i = from; i < to; i++) {
    if (await queue.get() !== i) throw new Error("Wrong item");
  }
}

if (import.meta.main) {
  const { n } = flags({ n: 100_000 });
  const queue = new Queue<number>();
  const child = new Process({ target: produce, args: [queue, WARMUP + n] });
  await child.start();
  if (await queue.get() !== -1) throw new Error("Wrong sentinel");
  await take(queue, 0, WARMUP);
  const t0 = performance.now();
  await take(queue, WARMUP, WARMUP + n);
  const s = (performance.now() - t0) / 1000;
  await child.join();
  queue.close();
  report({ per_s: n / s });
}
