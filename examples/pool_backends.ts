// The three backends of a Pool (no seed program: Python's nearest knobs are
// set_start_method() and multiprocessing.dummy).
//
// Run: deno run --allow-read --allow-run examples/pool_backends.ts
//
// - "worker" (default): Web Workers in this process. Fastest, and shared
//   memory (SharedValue, locks, queues) crosses; but Deno cannot stop a
//   worker stuck in synchronous code.
// - "subprocess": `deno run` children (hence --allow-run). Shared memory
//   cannot cross (a TypeError says so), but a stuck task is killed for real
//   and a child can be given fewer permissions, as stable --allow-* flags.
// - "inline": the caller's own event loop, Python's multiprocessing.dummy.
import { Pool, RemoteError } from "@mp/multiprocessing/pool";
import { SharedValue } from "@mp/multiprocessing/shared";

export function square(x: number): number {
  return x * x;
}

/** Never yields and never checks a signal: only a real kill stops it. */
export function spinForever(): never {
  while (true) {
    // stuck in synchronous code
  }
}

export function readConfig(): string {
  return Deno.readTextFileSync(new URL("../deno.json", import.meta.url));
}

export function bump(v: SharedValue<"i">): number {
  return v.add(1) + 1;
}

if (import.meta.main) {
  for (const backend of ["worker", "subprocess", "inline"] as const) {
    await using pool = new Pool({ processes: 2, backend });
    const squares = await pool.map(square, [1, 2, 3]);
    console.log(`${backend}: [${squares.join(", ")}]`);
  }

  {
    await using pool = new Pool({ processes: 1, backend: "subprocess" });
    const stuck = await pool.apply(spinForever, [], { timeout: 500 })
      .catch((e) => e);
    console.log(`subprocess, stuck task: ${stuck.name}, the child was killed`);
    console.log(`subprocess, next task: ${await pool.apply(square, [7])}`);

    const refused = await pool.apply(bump, [new SharedValue("i", 0)])
      .catch((e) => e);
    console.log(`subprocess, SharedValue argument: ${refused.name}`);
  }

  {
    await using pool = new Pool({
      processes: 1,
      backend: "subprocess",
      permissions: "none", // the child runs with no --allow-* flag
    });
    const denied = await pool.apply(readConfig, []).catch((e) => e);
    if (denied instanceof RemoteError) {
      console.log(`subprocess without permissions: ${denied.remoteName}`);
    }
  }

  {
    await using pool = new Pool({ processes: 2 }); // "worker": memory is shared
    const v = new SharedValue("i", 0);
    await pool.map(bump, [v, v, v]);
    console.log(`worker, SharedValue after three bumps: ${v.value}`);
  }
}
