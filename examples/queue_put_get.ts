// Port of "队列" from "沐风2021-进程间数据的共享" (seed 004):
//
//   from multiprocessing import Process, Queue
//   def f(q):
//       q.put(['沐风', 666, '精易'])
//   if __name__ == '__main__':
//       q = Queue()
//       p = Process(target=f, args=(q, ))
//       p.start()
//       p.join()
//       print(q.get())  # "['沐风', 666, '精易']"
//
// Run: deno run --allow-read examples/queue_put_get.ts
//
// The item waits in the queue's shared memory after the child has ended,
// so joining before getting is safe at any size (in Python a child that put
// a large item does not end until the item is read: join first, get later
// can deadlock there).
import { Process } from "@mp/multiprocessing/pool";
import { Queue } from "@mp/multiprocessing/ipc";

export async function f(q: Queue<(string | number)[]>): Promise<void> {
  await q.put(["沐风", 666, "精易"]);
}

if (import.meta.main) {
  const q = new Queue<(string | number)[]>();
  await using p = new Process({ target: f, args: [q] });
  await p.start();
  await p.join();
  console.log(await q.get()); // [ "沐风", 666, "精易" ]
}
