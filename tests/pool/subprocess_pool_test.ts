// Pool on the subprocess backend: timeouts, out-of-memory and crashing
// children, permissions and Manager proxies across OS processes.
import assert from "node:assert/strict";
import { Pool, WorkerExitError } from "@mp/multiprocessing/pool";
import { Manager } from "@mp/multiprocessing/ipc";
import { test } from "../_leak_check.ts";
import { eventually, isGone } from "./_process_watch.ts";
import { pid as childPid } from "../fixtures/subprocess_tasks.ts";
import { setInDict } from "../fixtures/subprocess_manager_tasks.ts";

const module = new URL("../fixtures/subprocess_tasks.ts", import.meta.url);
const probe = new URL("../fixtures/subprocess_read_probe.ts", import.meta.url);

test("Pool on subprocess: taskTimeout kills a child stuck in while (true) {} and replaces it", async () => {
  await using pool = new Pool({
    processes: 1,
    backend: "subprocess",
    module,
    taskTimeout: 100,
  });
  const first = await pool.apply(childPid, []);
  await assert.rejects(pool.apply("spinForever", []), { name: "TimeoutError" });
  await eventually(() => isGone(first), `stuck child ${first} to be killed`);
  const second = await pool.apply(childPid, []);
  assert.notEqual(second, first);
  assert.equal(await pool.apply("square", [7]), 49);
});

test("Pool on subprocess: an out-of-memory child rejects its task with WorkerExitError; the pool recovers", async () => {
  await using pool = new Pool({
    processes: 1,
    backend: "subprocess",
    module,
    memoryLimitMb: 64,
  });
  await assert.rejects(pool.apply("allocateForever", []), (error: Error) => {
    assert.ok(error instanceof WorkerExitError);
    assert.ok(error.exitCode < 0, `exit code ${error.exitCode}`);
    return true;
  });
  assert.equal(await pool.apply("square", [8]), 64);
});

test("Pool on subprocess: a child that dies mid-batch loses no task and runs none twice", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using pool = new Pool({
      processes: 2,
      backend: "subprocess",
      module,
    });
    const outcomes = await Promise.allSettled(
      Array.from(
        { length: 40 },
        (_, i) => pool.apply("markThenExitOn", [dir, i, 17]),
      ),
    );
    for (const [i, outcome] of outcomes.entries()) {
      if (i === 17) {
        assert.equal(outcome.status, "rejected");
        assert.ok(
          (outcome as PromiseRejectedResult).reason instanceof WorkerExitError,
        );
      } else {
        assert.deepEqual(outcome, { status: "fulfilled", value: i });
      }
      assert.equal(await Deno.readTextFile(`${dir}/${i}`), "x", `task ${i}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

test("Pool on subprocess: permissions really scope every child", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const inside = `${dir}/inside.txt`;
    await Deno.writeTextFile(inside, "x");
    await using pool = new Pool({
      processes: 1,
      backend: "subprocess",
      module: probe,
      permissions: { read: [dir] },
    });
    assert.equal(await pool.apply("tryRead", [inside]), "ok");
    assert.equal(await pool.apply("tryRead", ["/etc/hostname"]), "NotCapable");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

test("Pool on subprocess: map returns every result in order, with batching", async () => {
  await using pool = new Pool({ processes: 2, backend: "subprocess", module });
  const items = Array.from({ length: 5000 }, (_, i) => i);
  assert.deepEqual(await pool.map("square", items), items.map((x) => x * x));
  assert.deepEqual(
    await pool.map("square", items.slice(0, 50), { chunksize: 1 }),
    items.slice(0, 50).map((x) => x * x),
  );
});

test("Pool on subprocess: a Manager proxy in args reaches the same dict from every child", async () => {
  await using manager = await Manager.start();
  const dict = await manager.dict<string, number>();
  await using pool = new Pool({
    processes: 2,
    backend: "subprocess",
    module: new URL(
      "../fixtures/subprocess_manager_tasks.ts",
      import.meta.url,
    ),
    permissions: { net: ["127.0.0.1"] },
  });
  await Promise.all([
    pool.apply(setInDict, [dict, "a", 1]),
    pool.apply(setInDict, [dict, "b", 2]),
  ]);
  assert.deepEqual(
    new Map(await dict.entries()),
    new Map([["a", 1], ["b", 2]]),
  );
});
