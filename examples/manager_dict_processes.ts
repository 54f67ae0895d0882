// Port of "2)、通过manage.dict()实现进程间数据共享" from "Python 进程、进程池"
// (seed 003):
//
//   from multiprocessing import Process, Manager
//   import time
//   mangers = Manager()
//   dic = mangers.dict()
//   def foo(i):
//       time.sleep(1)
//       dic[i] = 100 + 1
//       print(dic.values())
//   for i in range(10):
//       p = Process(target=foo, args=(i, ))
//       p.start()
//       p.join()
//   print('main proccess stop')
//
// Run: deno run --allow-read --allow-net=127.0.0.1 examples/manager_dict_processes.ts
//
// The tutorial starts the Manager at module level and uses `dic` as a
// global, which only works under `fork`; here the manager starts in the
// parent's `import.meta.main` block and the dict proxy is passed to each
// child. Each child is joined before the next starts, so the values grow
// by one each time. (`100 + 1` is the tutorial's; it prints 101 ten times.)
// The sleep is shortened from 1 s to 50 ms.
import { Process } from "@mp/multiprocessing/pool";
import { type DictProxy, Manager } from "@mp/multiprocessing/ipc";

export async function foo(
  dic: DictProxy<number, number>,
  i: number,
): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  await dic.set(i, 100 + 1);
  console.log(`[${(await dic.values()).join(", ")}]`);
}

if (import.meta.main) {
  await using manager = await Manager.start();
  const dic = await manager.dict<number, number>();
  for (let i = 0; i < 10; i++) {
    await using p = new Process({ target: foo, args: [dic, i] });
    await p.start();
    await p.join();
  }
  console.log("main process stop");
}
