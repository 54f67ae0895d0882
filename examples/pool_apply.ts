// Port of "阻塞进程池" from "Python 进程、进程池" (seed 003):
//
//   from multiprocessing import Pool
//   import time
//   def func(msg):
//       for i in range(3):
//           print('msg:', msg)
//           time.sleep(1)
//       print('end')
//   def main():
//       pool = Pool(processes=3)
//       for i in range(4):
//           msg = 'hello %s' % i
//           result = pool.apply(func, (msg,))
//       pool.close()
//       pool.join()
//       print('successful')
//   if __name__ == '__main__':
//       main()
//
// Run: deno run --allow-read examples/pool_apply.ts
//
// `apply` waits for its task, so the four tasks run one after another even
// though the pool has three workers: use `applyAsync` or `map` to run them
// at once. The sleeps are shortened from 1 s to 20 ms.
import { Pool } from "@mp/multiprocessing/pool";

export async function func(msg: string): Promise<void> {
  for (let i = 0; i < 3; i++) {
    console.log("msg:", msg);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  console.log("end");
}

if (import.meta.main) {
  await using pool = new Pool({ processes: 3 });
  for (let i = 0; i < 4; i++) await pool.apply(func, [`hello ${i}`]);
  pool.close();
  await pool.join();
  console.log("successful");
}
