// Port of "2. Array" from "Python进程池共享内存用法介绍" (seed 000):
//
//   import multiprocessing
//   def worker(a):
//       for i in range(len(a)):
//           a[i] += 1
//   if __name__ == '__main__':
//       a = multiprocessing.Array('i', [0, 1, 2, 3])
//       with multiprocessing.Pool(processes=4) as pool:
//           pool.map(worker, [a]*4)
//       print(list(a))
//
// Run: deno run --allow-read examples/pool_shared_array.ts
//
// As with Value (see pool_shared_value.ts): Python refuses to send an Array
// to a pool (RuntimeError), and `a[i] += 1` from four workers at once can
// lose increments. Here the array crosses into the tasks, and each worker
// holds the array's own lock for its pass (or could use `a.add(i, 1)`).
import { Pool } from "@mp/multiprocessing/pool";
import { SharedArray } from "@mp/multiprocessing/shared";

export function worker(a: SharedArray<"i">): void {
  using _guard = a.getLock().acquireSync();
  for (let i = 0; i < a.length; i++) a.set(i, a.get(i) + 1);
}

if (import.meta.main) {
  const a = new SharedArray("i", [0, 1, 2, 3]);
  await using pool = new Pool({ processes: 4 });
  await pool.map(worker, [a, a, a, a]);
  console.log(`[${a.toArray().join(", ")}]`); // [4, 5, 6, 7]
}
