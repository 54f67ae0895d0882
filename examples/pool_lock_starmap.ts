// Port of "3. Lock" from "Python进程池共享内存用法介绍" (seed 000):
//
//   import multiprocessing
//   import time
//   def worker(l, i):
//       l.acquire()
//       print(f"Worker {i} is starting")
//       time.sleep(1)
//       print(f"Worker {i} is done")
//       l.release()
//   if __name__ == '__main__':
//       l = multiprocessing.Lock()
//       with multiprocessing.Pool(processes=4) as pool:
//           pool.starmap(worker, [(l, i) for i in range(4)])
//
// Run: deno run --allow-read examples/pool_lock_starmap.ts
//
// Four workers contend for one lock: each "starting" line is followed by
// the same worker's "done" line, never by another worker's. (Python raises
// RuntimeError here, since a Lock cannot be sent to a pool; locks cross
// into pool tasks here.) `starmap` spreads each argument list; the sleep
// is shortened from 1 s to 100 ms.
import { Pool } from "@mp/multiprocessing/pool";
import { Lock } from "@mp/multiprocessing/sync";

export async function worker(l: Lock, i: number): Promise<void> {
  using _guard = await l.acquire(); // released at the end of the scope
  console.log(`Worker ${i} is starting`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  console.log(`Worker ${i} is done`);
}

if (import.meta.main) {
  const l = new Lock();
  await using pool = new Pool({ processes: 4 });
  await pool.starmap(worker, [0, 1, 2, 3].map((i) => [l, i]));
}
