// Port of "3)、通过queues.Queue()实现进程间数据共享" from "Python 进程、进程池"
// (seed 003):
//
//   from multiprocessing import Process, queues
//   import multiprocessing
//   def f(i, q):
//       print(i, q.get())
//   if __name__ == '__main__':
//       q = queues.Queue(ctx=multiprocessing)
//       q.put('h1')
//       q.put('h2')
//       q.put('h3')
//       for i in range(3):
//           p = Process(target=f, args=(i, q, ))
//           p.start()
//
// Run: deno run --allow-read examples/queue_parent_puts.ts
//
// The parent puts three items, then three children take one each: every
// item goes to exactly one child, which child gets which depends on timing.
import { Process } from "@mp/multiprocessing/pool";
import { Queue } from "@mp/multiprocessing/ipc";

export async function f(i: number, q: Queue<string>): Promise<void> {
  console.log(i, await q.get());
}

if (import.meta.main) {
  const q = new Queue<string>();
  await q.put("h1");
  await q.put("h2");
  await q.put("h3");
  await using stack = new AsyncDisposableStack();
  const children = [0, 1, 2].map((i) =>
    stack.use(new Process({ target: f, args: [i, q] }))
  );
  for (const p of children) p.start();
  for (const p of children) await p.join();
  console.log("left in the queue:", q.qsize()); // 0
}
