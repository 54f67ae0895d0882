// Port of "2. 队列(Queue)" from "Python多进程之进程同步及通信详解" (seed 001):
//
//   import multiprocessing
//   def producer(queue):
//       for i in range(5):
//           queue.put(i)
//           print("Producer put ", i)
//   def consumer(queue):
//       while True:
//           message = queue.get()
//           print("Consumer got ", message)
//   if __name__ == "__main__":
//       queue = multiprocessing.Queue()
//       p1 = multiprocessing.Process(target=producer, args=(queue,))
//       p2 = multiprocessing.Process(target=consumer, args=(queue,))
//       p1.start(); p2.start(); p1.join(); p2.join()
//
// Run: deno run --allow-read examples/queue_producer_consumer.ts
//
// The tutorial's consumer loops forever, so `p2.join()` never returns and
// the program hangs. Here the producer closes the queue when it is done:
// `close()` closes it for every holder, the consumer drains what is left and
// its `for await` loop ends. (queue_sentinel.ts shows the other way, a
// sentinel value.)
import { Process } from "@mp/multiprocessing/pool";
import { Queue } from "@mp/multiprocessing/ipc";

export async function producer(queue: Queue<number>): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await queue.put(i);
    console.log("Producer put", i);
  }
  queue.close(); // no more items: consumers end once they have drained it
}

export async function consumer(queue: Queue<number>): Promise<void> {
  for await (const message of queue) console.log("Consumer got", message);
  console.log("Consumer done: the queue is closed and empty");
}

if (import.meta.main) {
  const queue = new Queue<number>();
  await using p1 = new Process({ target: producer, args: [queue] });
  await using p2 = new Process({ target: consumer, args: [queue] });
  p1.start();
  p2.start();
  await p1.join();
  await p2.join();
}
