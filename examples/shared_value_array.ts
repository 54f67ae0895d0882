// Port of "共享内存" from "沐风2021-进程间数据的共享" (seed 004):
//
//   from multiprocessing import Process, Value, Array
//   def f(n, a):
//       n.value = 3.1415927
//       for i in range(len(a)):
//           a[i] = -a[i]
//   if __name__ == '__main__':
//       num = Value('d', 0.0)
//       arr = Array('i', range(10))
//       p = Process(target=f, args=(num, arr))
//       p.start()
//       p.join()
//       print(num.value)
//       print(arr[:])
//
// Run: deno run --allow-read examples/shared_value_array.ts
//
// SharedValue and SharedArray live in a SharedArrayBuffer: the child gets
// the same memory, not a copy, so the parent sees what the child wrote.
// Type codes are Python's ("d" is a float64, "i" an int32).
import { Process } from "@mp/multiprocessing/pool";
import { SharedArray, SharedValue } from "@mp/multiprocessing/shared";

export function f(n: SharedValue<"d">, a: SharedArray<"i">): void {
  n.value = 3.1415927;
  for (let i = 0; i < a.length; i++) a.set(i, -a.get(i));
}

if (import.meta.main) {
  const num = new SharedValue("d", 0.0);
  const arr = new SharedArray("i", Array.from({ length: 10 }, (_, i) => i));
  await using p = new Process({ target: f, args: [num, arr] });
  await p.start();
  await p.join();
  console.log(num.value);
  console.log(`[${arr.toArray().join(", ")}]`); // Python's print(arr[:])
}
