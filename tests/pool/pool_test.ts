// Pool, per backend: apply, AsyncResult, timeouts, shared objects, close,
// terminate, maxQueue, initializer, scaling, stats and bad input. The map
// family (map, starmap, imap) is in pool_map_test.ts.
import assert from "node:assert/strict";
import {
  AsyncResult,
  Pool,
  PoolClosedError,
  PoolFullError,
  RemoteError,
} from "@mp/multiprocessing/pool";
import { Lock } from "@mp/multiprocessing/sync";
import { SharedValue } from "@mp/multiprocessing/shared";
import { test } from "../_leak_check.ts";
import { testEachBackend } from "./_backends.ts";
import {
  add,
  addInto,
  fail,
  identity,
  square,
  squareLater,
} from "../fixtures/pool_tasks.ts";

const module = new URL("../fixtures/pool_tasks.ts", import.meta.url);

testEachBackend(
  "Pool.apply() runs a function in a worker and types its result",
  async (backend) => {
    await using pool = new Pool({ backend, processes: 2, module });
    const sum: number = await pool.apply(add, [2, 3]);
    assert.equal(sum, 5);
    assert.equal(await pool.apply(squareLater, [4]), 16);
    assert.equal(await pool.apply("add", [1, 1]), 2);
    const big = new Map([[1, { deep: [1n, new Date(0)] }]]);
    assert.deepEqual(await pool.apply(identity, [big]), big);
  },
);

testEachBackend(
  "Pool.applyAsync() returns an AsyncResult with Python's methods and callbacks",
  async (backend) => {
    await using pool = new Pool({ backend, processes: 2, module });
    const values: number[] = [];
    const errors: unknown[] = [];
    const ok = pool.applyAsync(square, [5], {
      callback: (v) => values.push(v),
    });
    const bad = pool.applyAsync(fail, ["no"], {
      errorCallback: (e) => errors.push(e),
    });
    assert.ok(ok instanceof AsyncResult);
    assert.throws(() => ok.successful(), /not ready/);
    assert.equal(await ok.get({ timeout: 30_000 }), 25);
    await bad.wait();
    assert.equal(ok.ready(), true);
    assert.equal(ok.successful(), true);
    assert.equal(bad.successful(), false);
    await assert.rejects(bad.get(), RemoteError);
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.deepEqual(values, [25]);
    assert.equal(errors.length, 1);
    assert.equal(await ok, 25);
    const slow = pool.applyAsync("sleep", [200]);
    await assert.rejects(slow.get({ timeout: 1 }), { name: "TimeoutError" });
    assert.equal(await slow, "slept");
  },
);

testEachBackend(
  "Pool.apply({ timeout }) rejects with TimeoutError and the pool serves on",
  async (backend) => {
    await using pool = new Pool({ backend, processes: 1, module });
    assert.equal(await pool.apply(add, [1, 1]), 2); // the worker is up
    await assert.rejects(pool.apply("sleep", [60_000], { timeout: 50 }), {
      name: "TimeoutError",
    });
    // Started by then (the usual case), its worker was replaced; either way
    // the pool serves on.
    assert.equal(await pool.apply(add, [1, 1]), 2);
  },
);

test("Pool: shared objects cross into tasks (Python's Value + Lock seed)", async () => {
  await using pool = new Pool({ processes: 2, module });
  const total = new SharedValue("i", 0);
  await pool.starmap(addInto, Array.from({ length: 40 }, () => [total, 1]));
  assert.equal(total.value, 40);
  const lock = new Lock();
  assert.equal(await pool.apply("identity", [7]), 7);
  assert.equal(lock.locked(), false);
});

testEachBackend(
  "Pool: close() drains the queue, join() waits, submit after close fails",
  async (backend) => {
    const pool = new Pool({ backend, processes: 2, module });
    await assert.rejects(pool.join(), /still running/);
    const pending = pool.map("sleep", [20, 20, 20]);
    pool.close();
    pool.close(); // idempotent
    await assert.rejects(pool.apply(add, [1, 2]), PoolClosedError);
    assert.throws(() => pool.imap(square, [1]), PoolClosedError);
    await pool.join();
    assert.deepEqual(await pending, ["slept", "slept", "slept"]);
    assert.equal(pool.stats.workers, 0);
  },
);

testEachBackend(
  "Pool.terminate() rejects every pending task with PoolClosedError",
  async (backend) => {
    const pool = new Pool({ backend, processes: 1, module });
    const running = pool.apply("sleep", [60_000]);
    const queued = pool.apply(add, [1, 2]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    pool.terminate();
    await assert.rejects(running, PoolClosedError);
    await assert.rejects(queued, PoolClosedError);
    await pool.join();
    await assert.rejects(pool.apply(add, [1, 2]), PoolClosedError);
  },
);

testEachBackend("Pool: await using closes and drains", async (backend) => {
  let pending: Promise<number> | undefined;
  {
    await using pool = new Pool({ backend, processes: 1, module });
    pending = pool.apply("squareLater", [3]) as Promise<number>;
  }
  assert.equal(await pending, 9);
});

testEachBackend(
  "Pool: maxQueue rejects apply() with PoolFullError and makes map() wait",
  async (backend) => {
    await using pool = new Pool({ backend, processes: 1, maxQueue: 1, module });
    const a = pool.apply("sleep", [50]);
    const b = pool.apply("sleep", [50]);
    await assert.rejects(pool.apply("sleep", [50]), PoolFullError);
    assert.deepEqual(await Promise.all([a, b]), ["slept", "slept"]);
    const xs = Array.from({ length: 30 }, (_, i) => i);
    assert.deepEqual(
      await pool.map(square, xs, { chunksize: 1 }),
      xs.map((x) => x * x),
    );
  },
);

testEachBackend(
  "Pool: initializer runs once per worker before its tasks",
  async (backend) => {
    await using pool = new Pool({
      backend,
      processes: 2,
      module,
      initializer: "setup",
      initargs: ["ready"],
    });
    const states = await pool.map("initState", [1, 2, 3, 4, 5, 6]) as [
      unknown,
      number,
    ][];
    for (const [value, count] of states) {
      assert.equal(value, "ready");
      assert.equal(count, 1);
    }
  },
);

testEachBackend(
  "Pool: minProcesses and idleTimeout grow and shrink the workers",
  async (backend) => {
    await using pool = new Pool({
      backend,
      processes: 2,
      minProcesses: 0,
      idleTimeout: 20,
      module,
    });
    assert.equal(pool.stats.workers, 0);
    assert.deepEqual(await pool.map("sleep", [30, 30], { chunksize: 1 }), [
      "slept",
      "slept",
    ]);
    assert.ok(pool.stats.workers >= 1);
    const deadline = Date.now() + 20_000;
    while (pool.stats.workers > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(pool.stats.workers, 0);
    assert.equal(await pool.apply(add, [2, 2]), 4);
  },
);

testEachBackend(
  "Pool.stats counts tasks and reports latencies",
  async (backend) => {
    await using pool = new Pool({ backend, processes: 2, module });
    await pool.map(square, [1, 2, 3], { chunksize: 1 });
    await pool.apply(fail, ["x"]).catch(() => {});
    const stats = pool.stats;
    assert.equal(stats.completed, 3);
    assert.equal(stats.failed, 1);
    assert.equal(stats.queued, 0);
    assert.equal(stats.running, 0);
    // The second worker is spawned once the first is up (staggered spawns).
    assert.ok(stats.workers >= 1 && stats.workers <= 2, `${stats.workers}`);
    assert.equal(stats.stuckWorkers, 0);
    assert.ok(stats.runTime.p50 >= 0 && stats.runTime.p99 >= stats.runTime.p50);
    assert.ok(stats.waitTime.p50 >= 0);
    assert.ok(stats.utilization >= 0 && stats.utilization <= 1);
  },
);

test("Pool: the inline backend runs the same API on the caller's loop", async () => {
  await using pool = new Pool({ processes: 2, backend: "inline" });
  const local = (x: number) => x * 10;
  assert.equal(await pool.apply(local, [2]), 20);
  assert.deepEqual(await pool.map(local, [1, 2, 3]), [10, 20, 30]);
  const out: number[] = [];
  for await (const v of pool.imapUnordered(local, [1, 2])) out.push(v);
  assert.deepEqual(out.sort(), [10, 20]);
  await assert.rejects(pool.apply(fail, ["inline"]), RemoteError);
});

test("Pool: bad input is refused", async () => {
  assert.throws(() => new Pool({ processes: 0 }), RangeError);
  assert.throws(() => new Pool({ processes: 2.5 }), RangeError);
  // @ts-expect-error: processes is a number
  assert.throws(() => new Pool({ processes: "2" }), TypeError);
  assert.throws(() => new Pool({ minProcesses: 3, processes: 2 }), RangeError);
  assert.throws(() => new Pool({ taskTimeout: -1 }), RangeError);
  await using pool = new Pool({ processes: 1, module });
  await assert.rejects(pool.map(square, [1], { chunksize: 0 }), RangeError);
  assert.throws(() => pool.imap(square, [1], { chunksize: 1.5 }), RangeError);
  // @ts-expect-error: not a function
  await assert.rejects(pool.apply(42, []), TypeError);
  // @ts-expect-error: not iterable
  await assert.rejects(pool.map(square, 5), TypeError);
  function local(x: number): number {
    return x;
  }
  const error = await pool.apply(local, [1]).catch((e) => e);
  assert.ok(error instanceof TypeError);
  assert.match(error.message, /Cannot run function "local"/);
  // args that cannot cross: only that task fails
  const [bad, good] = await Promise.allSettled([
    pool.apply(identity, [() => 1]),
    pool.apply(identity, [1]),
  ]);
  assert.equal(bad.status, "rejected");
  assert.match(String((bad as PromiseRejectedResult).reason), /function/);
  assert.deepEqual(good, { status: "fulfilled", value: 1 });
  // @ts-expect-error: square takes a number
  pool.map(square, ["x"]).catch(() => {});
  await assert.rejects(pool.apply("returnFunction", []), TypeError);
});

test("Pool: a task module that does not import the package still handles any value and error", async () => {
  const plain = new URL("../fixtures/pool_plain_tasks.ts", import.meta.url);
  await using pool = new Pool({ processes: 1, module: plain });
  assert.equal(await pool.apply("inc", [1]), 2);
  const map = new Map([[1, new Date(5)]]);
  assert.deepEqual(await pool.apply("pair", [map]), [map, map]);
  const error = await pool.apply("boom", ["plain"]).catch((e) => e);
  assert.ok(error instanceof RemoteError);
  assert.ok(error.cause instanceof TypeError);
  assert.deepEqual((error.cause as Error).cause, { detail: [1, 2] });
});
