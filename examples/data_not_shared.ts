// Port of the first program of "沐风2021-进程间数据的共享" (seed 004):
//
//   import multiprocessing
//   def task(data):
//       data.append(666)
//   if __name__ == '__main__':
//       data_list = []
//       p = multiprocessing.Process(target=task, args=(data_list,))
//       p.start()
//       p.join()
//       print("主进程:", data_list) # []
//
// Run: deno run --allow-read examples/data_not_shared.ts
//
// A plain array crosses into the child as a copy (structured clone), as a
// pickled list does in Python: the child appends to its copy, and the
// parent's array stays empty. To share, use a SharedArray, a Queue, a pipe
// or a Manager list (see the other examples).
import { Process } from "@mp/multiprocessing/pool";

export function task(data: number[]): void {
  data.push(666);
  console.log("child:", data);
}

if (import.meta.main) {
  const dataList: number[] = [];
  await using p = new Process({ target: task, args: [dataList] });
  await p.start();
  await p.join();
  console.log("main process:", dataList); // []
}
