// Port of the RLock program of "Python 进程、进程池" (seed 003):
//
//   from multiprocessing import Process, Array, RLock
//   def Foo(lock, temp, i):
//       """ 将第0个数加100 """
//       lock.acquire()
//       temp[0] = 100 + i
//       for item in temp:
//           print(i, '----->', item)
//       lock.release()
//   lock = RLock()
//   temp = Array('i', [11, 22, 33, 44])
//   if __name__ == '__main__':
//       for i in range(10):
//           p = Process(target=Foo, args=(lock, temp, i,))
//           p.start()
//
// Run: deno run --allow-read examples/rlock_shared_array.ts
//
// Ten children contend for one lock. Whoever holds it writes temp[0] and
// prints the whole array, so each child's four lines come out together and
// start with its own 100 + i, in whatever order the children got the lock.
// An RLock may be taken again by its holder: `printAll` takes it a second
// time (as a helper that locks for its own callers would), which would
// deadlock a plain Lock. The lock and the array are created in the parent
// and passed in (module-level objects would be per child here, see
// shared_array_process.ts).
import { Process } from "@mp/multiprocessing/pool";
import { SharedArray } from "@mp/multiprocessing/shared";
import { RLock } from "@mp/multiprocessing/sync";

function printAll(lock: RLock, temp: SharedArray<"i">, i: number): void {
  using _again = lock.acquireSync(); // re-entrant: the holder passes at once
  for (const item of temp.toArray()) console.log(i, "----->", item);
}

export function Foo(lock: RLock, temp: SharedArray<"i">, i: number): void {
  // acquireSync blocks the worker thread (Atomics.wait); `using` releases
  // at the end of the scope even if printing throws.
  using _guard = lock.acquireSync();
  temp.set(0, 100 + i);
  printAll(lock, temp, i);
}

if (import.meta.main) {
  const lock = new RLock();
  const temp = new SharedArray("i", [11, 22, 33, 44]);
  await using stack = new AsyncDisposableStack();
  const children = Array.from(
    { length: 10 },
    (_, i) => stack.use(new Process({ target: Foo, args: [lock, temp, i] })),
  );
  for (const p of children) p.start();
  for (const p of children) await p.join();
}
