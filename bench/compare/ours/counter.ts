// Locked counter: two worker Processes each add 1 to a SharedValue("i") n
// times, each increment under the value's own lock (Python's
// `with v.get_lock(): v.value += 1`); increments per second. A Lock held by
// the main thread is the start gate (Python's script uses an Event).
import { Process } from "../../../pool/mod.ts";
import { SharedValue } from "../../../shared/mod.ts";
import { Lock } from "../../../sync/mod.ts";
import { flags, report } from "./_ours.ts";

/** Worker side: waits for the gate to open, then counts under the lock. */
export async function add(
  value: SharedValue<"i">,
  gate: Lock,
  n: number,
): Promise<void> {
  (await gate.acquire()).release();
  const lock = value.getLock();
  for (let i = 0; i < n; i++) {
    using _ = lock.acquireSync();
    value.value += 1;
  }
}

if (import.meta.main) {
  const { n } = flags({ n: 200_000 });
  const value = new SharedValue("i", 0);
  const gate = new Lock();
  const closed = gate.acquireSync();
  const children = [0, 1].map(() =>
    new Process({ target: add, args: [value, gate, n] })
  );
  await Promise.all(children.map((child) => child.start()));
  const t0 = performance.now();
  closed.release();
  await Promise.all(children.map((child) => child.join()));
  const s = (performance.now() - t0) / 1000;
  if (value.value !== 2 * n) throw new Error("Wrong count");
  report({ per_s: (2 * n) / s });
}
