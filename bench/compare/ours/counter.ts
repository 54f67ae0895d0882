// Locked counter: two worker Processes each add 1 to a SharedValue("i") n
// times, each increment under the value's own lock (Python's
// `with v.get_lock(): v.value += 1`); increments per second. A Lock held by
// the main thread is the start gate (Python's script uses an Event).
// With `--finally=1` each increment takes the lock with acquireSync() and
// drops it in a `finally` (what Python's `with` does) instead of a `using`
// scope, whose own cost in V8 (about 240 ns a scope in Deno 2.9.6) falls
// inside the locked section.
import { Process } from "../../../pool/mod.ts";
import { SharedValue } from "../../../shared/mod.ts";
import { Lock } from "../../../sync/mod.ts";
import { flags, report } from "./_ours.ts";

/** Worker side: waits for the gate to open, then counts under the lock. */
export async function add(
  value: SharedValue<"i">,
  gate: Lock,
  n: number,
  form: "using" | "finally",
): Promise<void> {
  (await gate.acquire()).release();
  const lock = value.getLock();
  if (form === "finally") {
    for (let i = 0; i < n; i++) {
      lock.acquireSync();
      try {
        value.value += 1;
      } finally {
        lock.release();
      }
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    using _ = lock.acquireSync();
    value.value += 1;
  }
}

if (import.meta.main) {
  const { n, finally: tryFinally } = flags({ n: 200_000, finally: 0 });
  const form = tryFinally ? "finally" : "using";
  const value = new SharedValue("i", 0);
  const gate = new Lock();
  const closed = gate.acquireSync();
  const children = [0, 1].map(() =>
    new Process({ target: add, args: [value, gate, n, form] })
  );
  await Promise.all(children.map((child) => child.start()));
  const t0 = performance.now();
  closed.release();
  await Promise.all(children.map((child) => child.join()));
  const s = (performance.now() - t0) / 1000;
  if (value.value !== 2 * n) throw new Error("Wrong count");
  report({ per_s: (2 * n) / s });
}
