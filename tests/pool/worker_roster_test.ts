import assert from "node:assert/strict";
import { Pool } from "@mp/multiprocessing/pool";
import { test } from "../_leak_check.ts";
import { testEachBackend } from "./_backends.ts";
import { add } from "../fixtures/pool_tasks.ts";
import { eventually } from "./_process_watch.ts";

const module = new URL("../fixtures/pool_tasks.ts", import.meta.url);

testEachBackend(
  "Pool.terminate() right after construction leaks no worker and no spawn timer",
  async (backend) => {
    const pool = new Pool({ backend, processes: 4, module });
    pool.terminate();
    await pool.join();
    assert.equal(pool.stats.workers, 0);
  },
);

testEachBackend(
  "Pool.close() right after construction leaks no worker and no spawn timer",
  async (backend) => {
    const pool = new Pool({ backend, processes: 4, module });
    pool.close();
    await pool.join();
    assert.equal(pool.stats.workers, 0);
  },
);

testEachBackend(
  "Pool starts all its minProcesses workers while idle",
  async (backend) => {
    await using pool = new Pool({ backend, processes: 4, module });
    await eventually(() => pool.stats.workers === 4, "4 workers");
    assert.equal(await pool.apply(add, [2, 3]), 5);
  },
);

test("Pool.stats.workers reaches processes under load", async () => {
  await using pool = new Pool({ processes: 4, minProcesses: 0, module });
  assert.equal(pool.stats.workers, 0);
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const results = pool.map("spinUntilSet", [flag, flag, flag, flag], {
    chunksize: 1,
  });
  try {
    // Each task holds its worker until the flag is set, so the pool must
    // start a worker per task (the later ones take unstarted tasks over).
    await eventually(() => pool.stats.workers === 4, "4 workers");
  } finally {
    Atomics.store(flag, 0, 1);
  }
  assert.equal((await results).length, 4);
});

testEachBackend(
  "Pool starts its other workers after the result of a lone first task",
  async (backend) => {
    await using pool = new Pool({ backend, processes: 3, module });
    assert.equal(await pool.apply(add, [1, 2]), 3);
    await eventually(() => pool.stats.workers === 3, "3 workers");
    assert.deepEqual(
      await pool.starmap(add, [[1, 1], [2, 2], [3, 3]]),
      [2, 4, 6],
    );
  },
);
