// Port of "1. Value" from "Python进程池共享内存用法介绍" (seed 000):
//
//   import multiprocessing
//   def worker(v):
//       v.value += 1
//   if __name__ == '__main__':
//       v = multiprocessing.Value('i', 0)
//       with multiprocessing.Pool(processes=4) as pool:
//           pool.map(worker, [v]*4)
//       print(v.value)
//
// Run: deno run --allow-read examples/pool_shared_value.ts
//
// The tutorial is wrong twice. In Python this raises "RuntimeError:
// Synchronized objects should only be shared between processes through
// inheritance" (a Value cannot be sent to a pool); here shared objects do
// cross into pool tasks. And `v.value += 1` is a read then a write, not one
// step: two workers can both read 7 and both write 8, losing an increment.
// Four single increments rarely collide, so the tutorial printed 4 by luck;
// the second part runs many increments at once and shows the loss. Hold
// the value's lock around `+=`, or use `add()`, one atomic instruction.
import { Pool } from "@mp/multiprocessing/pool";
import { SharedValue } from "@mp/multiprocessing/shared";

/** The seed's worker, done right: `+=` under the value's own lock. */
export function worker(v: SharedValue<"i">): void {
  using _guard = v.getLock().acquireSync();
  v.value += 1;
}

/** `+=` without the lock: increments get lost when workers overlap. */
export function addUnlocked(v: SharedValue<"i">, times: number): void {
  for (let i = 0; i < times; i++) v.value += 1;
}

/** `+=` with the lock: correct, and the lock is taken `times` times. */
export function addLocked(v: SharedValue<"i">, times: number): void {
  const lock = v.getLock();
  for (let i = 0; i < times; i++) {
    using _guard = lock.acquireSync();
    v.value += 1;
  }
}

/** `add(1)`: one atomic read-modify-write, correct without a lock. */
export function addAtomic(v: SharedValue<"i">, times: number): void {
  for (let i = 0; i < times; i++) v.add(1);
}

if (import.meta.main) {
  await using pool = new Pool({ processes: 4 });

  const v = new SharedValue("i", 0);
  await pool.map(worker, [v, v, v, v]);
  console.log(v.value); // 4

  const tasks = 4;
  const times = 100_000;
  for (const fn of [addUnlocked, addLocked, addAtomic]) {
    const counter = new SharedValue("i", 0);
    await pool.starmap(
      fn,
      Array.from({ length: tasks }, () => [counter, times]),
    );
    console.log(`${fn.name}: ${counter.value} of ${tasks * times}`);
  }
}
