// Port of the Pool program of "Python多进程编程实战攻略" (seed 002):
//
//   import multiprocessing
//   def worker(num):
//       """worker函数,模拟一个简单的任务"""
//       return num * num
//   if __name__ == '__main__':
//       with multiprocessing.Pool(processes=4) as pool:
//           results = pool.map(worker, range(10))
//           print(results)
//
// Run: deno run --allow-read examples/pool_map_square.ts
//
// `map` returns the results in input order, whatever order the workers
// finish in, and its type follows the function: `Promise<number[]>`.
import { Pool } from "@mp/multiprocessing/pool";

export function worker(num: number): number {
  return num * num;
}

if (import.meta.main) {
  await using pool = new Pool({ processes: 4 });
  const results = await pool.map(
    worker,
    Array.from({ length: 10 }, (_, i) => i),
  );
  console.log(`[${results.join(", ")}]`); // [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]
}
