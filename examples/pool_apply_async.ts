// Port of "3、进程池" from "Python 进程、进程池" (seed 003):
//
//   from multiprocessing import Pool
//   from time import sleep
//   def f(x):
//       for i in range(3):
//           print('%s---------->%s' % (i, x))
//           sleep(1)
//   def main():
//       pool = Pool(processes=3)
//       for i in range(11, 20):
//           result = pool.apply_async(f, (i,))
//       pool.close()
//       pool.join()
//       if result.successful():
//           print('successful')
//   if __name__ == '__main__':
//       main()
//
// Run: deno run --allow-read examples/pool_apply_async.ts
//
// `applyAsync` returns at once with an AsyncResult; `close()` takes no more
// work and `join()` waits for the queued work and the workers. The tutorial
// checks only the last result; this checks all nine. `successful()` tells
// whether a finished task succeeded, and throws while it has not finished
// (Python raises ValueError then; the tutorial's "AssertionError" is from
// Python 2). The sleeps are shortened from 1 s to 50 ms.
import { type AsyncResult, Pool } from "@mp/multiprocessing/pool";

export async function f(x: number): Promise<void> {
  for (let i = 0; i < 3; i++) {
    console.log(`${i}---------->${x}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

if (import.meta.main) {
  await using pool = new Pool({ processes: 3 }); // at most three at a time
  const results: AsyncResult<void>[] = [];
  for (let i = 11; i < 20; i++) results.push(pool.applyAsync(f, [i]));
  try {
    results[0]!.successful();
  } catch (error) {
    console.log(`too early: ${(error as Error).message}`);
  }
  pool.close();
  await pool.join();
  if (results.every((result) => result.successful())) console.log("successful");
}
