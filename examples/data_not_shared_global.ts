// Port of "2、进程数据共享 (默认不共享)" from "Python 进程、进程池" (seed 003):
//
//   from multiprocessing import Process
//   li = []
//   def foo(i):
//       li.append(i)
//       print(li)
//       print('say hi', i)
//   if __name__ == '__main__':
//       for i in range(3):
//           p = Process(target=foo, args=(i, ))
//           p.start()
//       print('main proccess stop')
//
// Run: deno run --allow-read examples/data_not_shared_global.ts
//
// Each child imports this module afresh, so each has its own `li`: child i
// prints `[ i ]`, never the others' items, and the parent's `li` stays
// empty. (The same holds for a module-level SharedArray: every child would
// allocate its own. Create shared objects in the parent and pass them as
// arguments.)
import { Process } from "@mp/multiprocessing/pool";

const li: number[] = [];

export function foo(i: number): void {
  li.push(i);
  // One console.log per child, so lines of different children never mix.
  console.log(`${Deno.inspect(li)} say hi ${i}`);
}

if (import.meta.main) {
  await using stack = new AsyncDisposableStack();
  const children = [0, 1, 2].map((i) =>
    stack.use(new Process({ target: foo, args: [i] }))
  );
  for (const p of children) p.start();
  console.log("main process stop");
  for (const p of children) await p.join();
  console.log("parent li:", li); // []
}
