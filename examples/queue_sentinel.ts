// Port of the Queue program of "Python多进程编程实战攻略" (seed 002):
//
//   import multiprocessing
//   def producer(q):
//       """生产者,生成数据并放入队列"""
//       for i in range(5):
//           q.put(i)
//       q.put(None)  # 表示生产结束
//   def consumer(q):
//       """消费者,从队列中取出数据并处理"""
//       while True:
//           item = q.get()
//           if item is None:
//               break
//           print(f'Consumed {item}')
//   if __name__ == '__main__':
//       queue = multiprocessing.Queue()
//       prod = multiprocessing.Process(target=producer, args=(queue,))
//       cons = multiprocessing.Process(target=consumer, args=(queue,))
//       prod.start(); cons.start(); prod.join(); cons.join()
//
// Run: deno run --allow-read examples/queue_sentinel.ts
//
// `null` is the sentinel (Python's None): the consumer stops when it gets
// it. With several consumers, put one sentinel per consumer.
import { Process } from "@mp/multiprocessing/pool";
import { Queue } from "@mp/multiprocessing/ipc";

export async function producer(q: Queue<number | null>): Promise<void> {
  for (let i = 0; i < 5; i++) await q.put(i);
  await q.put(null); // the end of production
}

export async function consumer(q: Queue<number | null>): Promise<void> {
  while (true) {
    const item = await q.get();
    if (item === null) break;
    console.log(`Consumed ${item}`);
  }
}

if (import.meta.main) {
  const queue = new Queue<number | null>();
  await using prod = new Process({ target: producer, args: [queue] });
  await using cons = new Process({ target: consumer, args: [queue] });
  prod.start();
  cons.start();
  await prod.join();
  await cons.join();
}
