// Port of "1、创建进程" from the tutorial "Python 进程、进程池" (seed 003):
//
//   from multiprocessing import Process
//   def foo(i):
//       print('say hi', i)
//   if __name__ == '__main__':
//       for i in range(3):
//           p = Process(target=foo, args=(i, ))
//           p.start()
//       print('main proccess stop')
//
// Run: deno run --allow-read examples/process_start.ts
import { Process } from "@mp/multiprocessing/pool";

/** The target: an export of this module, found by name in each child. */
export function foo(i: number): void {
  console.log("say hi", i);
}

if (import.meta.main) {
  const children: Process<typeof foo>[] = [];
  for (let i = 0; i < 3; i++) {
    const p = new Process({ target: foo, args: [i] });
    children.push(p);
    p.start();
  }
  console.log("main process stop");
  // Python joins non-daemon children at exit; Deno would too (a running
  // worker keeps the program alive), but waiting here keeps the output
  // complete before the program's own last line.
  for (const p of children) await p.join();
}
