// Port of "1)、通过Array 实现进程间数据共享" from "Python 进程、进程池" (seed 003):
//
//   from multiprocessing import Process, Array
//   temp = Array('i', [11, 22, 33, 44, 55])
//   def foo(i):
//       temp[i] = 100 + i
//       for item in temp:
//           print('第%s个进程' % i, '--------->', item)
//   if __name__ == '__main__':
//       for i in range(1, 4, 1):
//           p = Process(target=foo, args=(i, ))
//           p.start()
//       print('main proccess stop')
//
// Run: deno run --allow-read examples/shared_array_process.ts
//
// The tutorial creates `temp` at module level, which shares it only under
// `fork` (Linux's old default). Here every child imports this module afresh,
// so a module-level SharedArray would be a different array in each child
// (as under Python's `spawn`): create it in the parent and pass it in.
// Children then write the one array, and the parent sees all three writes.
// What each child sees of the others' writes depends on timing.
import { Process } from "@mp/multiprocessing/pool";
import { SharedArray } from "@mp/multiprocessing/shared";

export function foo(temp: SharedArray<"i">, i: number): void {
  temp.set(i, 100 + i);
  console.log(`process ${i} ---------> [${temp.toArray().join(", ")}]`);
}

if (import.meta.main) {
  const temp = new SharedArray("i", [11, 22, 33, 44, 55]);
  await using stack = new AsyncDisposableStack();
  const children = [1, 2, 3].map((i) =>
    stack.use(new Process({ target: foo, args: [temp, i] }))
  );
  for (const p of children) p.start();
  console.log("main process stop");
  for (const p of children) await p.join();
  console.log(`after join: [${temp.toArray().join(", ")}]`); // [11, 101, 102, 103, 55]
}
