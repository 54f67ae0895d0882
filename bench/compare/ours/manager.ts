// Manager dict: a worker Process alternates `d.set(k, i)` and `d.get(k)` on
// a Manager dict proxy; operations per second, timed in the worker and sent
// back on a Queue (as the Python script does).
import { type DictProxy, Manager, Queue } from "../../../ipc/mod.ts";
import { Process } from "../../../pool/mod.ts";
import { flags, report } from "./_ours.ts";

/** Worker side: n operations on the proxy; puts operations per second. */
export async function ops(
  d: DictProxy<number, number>,
  n: number,
  out: Queue<number>,
): Promise<void> {
  await d.set(0, 0);
  const t0 = performance.now();
  for (let i = 0; i < n / 2; i++) {
    await d.set(i % 100, i);
    if (await d.get(i % 100) !== i) throw new Error("Wrong value");
  }
  await out.put(n / ((performance.now() - t0) / 1000));
}

if (import.meta.main) {
  const { n } = flags({ n: 10_000 });
  await using manager = await Manager.start();
  const d = await manager.dict<number, number>();
  const out = new Queue<number>();
  const child = new Process({ target: ops, args: [d, n, out] });
  await child.start();
  const per_s = await out.get();
  await child.join();
  report({ per_s });
}
