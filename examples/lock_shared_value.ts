// Port of "进程同步" from "Python多进程之进程同步及通信详解" (seed 001):
//
//   import multiprocessing
//   def worker(lock, data):
//       lock.acquire()
//       print("Worker acquired lock")
//       data.value += 1
//       print("Worker updated value: ", data.value)
//       lock.release()
//   if __name__ == "__main__":
//       lock = multiprocessing.Lock()
//       data = multiprocessing.Value('i', 0)
//       p1 = multiprocessing.Process(target=worker, args=(lock, data))
//       p2 = multiprocessing.Process(target=worker, args=(lock, data))
//       p1.start(); p2.start(); p1.join(); p2.join()
//
// Run: deno run --allow-read examples/lock_shared_value.ts
//
// `data.value += 1` is a read then a write: two children can both read 0
// and both write 1. The lock makes the pair exclusive, so the result is 2.
// (For a counter alone, `data.add(1)` is one atomic step and needs no lock.)
import { Process } from "@mp/multiprocessing/pool";
import { SharedValue } from "@mp/multiprocessing/shared";
import { Lock } from "@mp/multiprocessing/sync";

export async function worker(
  lock: Lock,
  data: SharedValue<"i">,
): Promise<void> {
  using _guard = await lock.acquire(); // released at the end of the scope
  console.log("Worker acquired lock");
  data.value += 1;
  console.log("Worker updated value:", data.value);
}

if (import.meta.main) {
  const lock = new Lock();
  const data = new SharedValue("i", 0);
  await using p1 = new Process({ target: worker, args: [lock, data] });
  await using p2 = new Process({ target: worker, args: [lock, data] });
  p1.start();
  p2.start();
  await p1.join();
  await p2.join();
  console.log("final value:", data.value); // 2
}
