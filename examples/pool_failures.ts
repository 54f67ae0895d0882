// What happens when tasks fail (no seed program: the tutorials never show
// it). In Python, a task's exception comes back from `get()`/`map()`, a
// crashed worker breaks a ProcessPoolExecutor (BrokenProcessPool) or hangs
// a Pool forever, and a stuck task can only be waited on.
//
// Run: deno run --allow-read examples/pool_failures.ts
//
// Here every submitted task settles:
// - a task that throws rejects with RemoteError, whose `cause` is the
//   remote error rebuilt (class, message, stack, cause, own properties);
// - a worker that dies under a task (Deno.exit, a crash) rejects only that
//   task with WorkerExitError, and a replacement worker serves on;
// - a task past its timeout rejects with a TimeoutError at once; its
//   `currentTask().signal` aborts so code that never yields can stop, and
//   its worker is replaced.
import {
  currentTask,
  Pool,
  RemoteError,
  WorkerExitError,
} from "@mp/multiprocessing/pool";

export function divide(a: number, b: number): number {
  if (b === 0) throw new RangeError(`Cannot divide ${a} by zero`);
  return a / b;
}

export function crash(code: number): never {
  Deno.exit(code); // ends this worker only, not the program
}

/** Busy work that checks its signal: the one way to stop a busy worker. */
export function spinUntilAborted(): number {
  const signal = currentTask()!.signal;
  let spins = 0;
  while (!signal.aborted) spins++;
  return spins;
}

if (import.meta.main) {
  await using pool = new Pool({ processes: 2 });

  const thrown = await pool.apply(divide, [1, 0]).catch((e) => e);
  if (thrown instanceof RemoteError) {
    console.log(`RemoteError: ${thrown.message}`);
    console.log(`  remote class: ${thrown.remoteName}`);
    console.log(
      `  cause is a RangeError: ${thrown.cause instanceof RangeError}`,
    );
  }

  const died = await pool.apply(crash, [3]).catch((e) => e);
  if (died instanceof WorkerExitError) {
    console.log(`WorkerExitError: exit code ${died.exitCode}`);
  }
  console.log(
    `a replacement serves on: 6 / 3 = ${await pool.apply(divide, [6, 3])}`,
  );

  const stuck = await pool.apply(spinUntilAborted, [], { timeout: 200 })
    .catch((e) => e);
  console.log(`timed out: ${stuck.name}`);

  // map: the first failure rejects the whole call.
  const pairs: [number, number][] = [[4, 2], [1, 0], [9, 3]];
  const mapped = await pool.starmap(divide, pairs).catch((e) => e);
  console.log(`starmap rejected: ${mapped.message}`);

  // applyAsync: successful() says which ones failed, after they settle.
  const results = pairs.map((args) => pool.applyAsync(divide, args));
  await Promise.all(results.map((result) => result.wait()));
  console.log(`successful: ${results.map((r) => r.successful()).join(", ")}`);
}
