// Port of "服务进程" from "沐风2021-进程间数据的共享" (seed 004):
//
//   from multiprocessing import Process, Manager
//   def f(d, l):
//       d[1] = '1'
//       d['2'] = 2
//       d[0.25] = None
//       l.reverse()
//   if __name__ == '__main__':
//       with Manager() as manager:
//           d = manager.dict()
//           l = manager.list(range(10))
//           p = Process(target=f, args=(d, l))
//           p.start()
//           p.join()
//           print(d)   # {1: '1', '2': 2, 0.25: None}
//           print(l)   # [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
//
// Run: deno run --allow-read --allow-net=127.0.0.1 examples/manager_dict_list.ts
//
// A Manager is a server holding the objects (here in its own Worker,
// listening on 127.0.0.1, hence --allow-net); the dict and list are proxies
// that reconnect in the child, and every call is an async round trip.
// The dict has Map semantics: 1, "2" and 0.25 are keys of their own types,
// as in Python. `await using` shuts the server down, as `with Manager()`.
import { Process } from "@mp/multiprocessing/pool";
import {
  type DictProxy,
  type ListProxy,
  Manager,
} from "@mp/multiprocessing/ipc";

export async function f(
  d: DictProxy<number | string, string | number | null>,
  l: ListProxy<number>,
): Promise<void> {
  await d.set(1, "1");
  await d.set("2", 2);
  await d.set(0.25, null);
  await l.reverse();
}

if (import.meta.main) {
  await using manager = await Manager.start();
  const d = await manager.dict<number | string, string | number | null>();
  const l = await manager.list(Array.from({ length: 10 }, (_, i) => i));
  await using p = new Process({ target: f, args: [d, l] });
  await p.start();
  await p.join();
  console.log(await d.toMap()); // Map(3) { 1 => "1", "2" => 2, 0.25 => null }
  console.log(`[${(await l.toArray()).join(", ")}]`); // [9, 8, …, 0]
}
