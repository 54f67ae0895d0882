// Port of "一、进程池的使用" from "Python进程池共享内存用法介绍" (seed 000):
//
//   import multiprocessing
//   def worker(num):
//       print(f"Worker {num} is starting")
//       return
//   if __name__ == '__main__':
//       with multiprocessing.Pool(processes=4) as pool:
//           pool.map(worker, range(10))
//
// Run: deno run --allow-read examples/pool_map.ts
//
// Four workers share ten calls (in chunks); the order of the lines depends
// on which worker gets there first. `await using` plays `with`, with one
// difference: leaving the scope closes the pool and lets queued work finish,
// where Python's `with` terminates the workers.
import { Pool } from "@mp/multiprocessing/pool";

export function worker(num: number): void {
  console.log(`Worker ${num} is starting`);
}

if (import.meta.main) {
  await using pool = new Pool({ processes: 4 });
  await pool.map(worker, Array.from({ length: 10 }, (_, i) => i));
}
