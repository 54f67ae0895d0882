// Port of the first program of "Python多进程编程实战攻略" (seed 002):
//
//   import multiprocessing
//   def worker(num):
//       print(f'Worker {num}')
//   if __name__ == '__main__':
//       jobs = []
//       for i in range(5):
//           p = multiprocessing.Process(target=worker, args=(i,))
//           jobs.append(p)
//           p.start()
//       for proc in jobs:
//           proc.join()
//
// Run: deno run --allow-read examples/process_basics.ts
//
// The Deno way: the target is an exported function of this module (each
// child imports the module and finds it by name), `if (import.meta.main)`
// plays `if __name__ == '__main__'`, and an AsyncDisposableStack stops every
// child that is still running if the program leaves early (an error, a
// thrown join) instead of leaving workers behind.
import { Process } from "@mp/multiprocessing/pool";

/** Runs in a child: one Web Worker per process. */
export function worker(num: number): void {
  console.log(`Worker ${num}`);
}

if (import.meta.main) {
  await using jobs = new AsyncDisposableStack();
  const processes: Process<typeof worker>[] = [];
  for (let i = 0; i < 5; i++) {
    const p = jobs.use(new Process({ target: worker, args: [i] }));
    processes.push(p);
    await p.start(); // resolves once the child runs `worker`
  }
  for (const p of processes) {
    const code = await p.join();
    console.log(`${p.name} exited with code ${code}`);
  }
}
