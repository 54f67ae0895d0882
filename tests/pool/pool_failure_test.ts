// Pool failure semantics: every submitted task settles exactly once; a dying
// worker fails only the task it ran; nothing is lost or run twice.
import assert from "node:assert/strict";
import { Pool, RemoteError, WorkerExitError } from "@mp/multiprocessing/pool";
import { test } from "../_leak_check.ts";
import { testEachBackend } from "./_backends.ts";
import {
  countAndTag,
  countCall,
  countOrExit,
  exitOn17,
} from "../fixtures/pool_tasks.ts";
import { eventually } from "./_process_watch.ts";

const module = new URL("../fixtures/pool_tasks.ts", import.meta.url);

/** The error `promise` rejects with (fails when it fulfils). */
// deno-lint-ignore no-explicit-any
async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("Expected a rejection");
}

function counters(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * n));
}

testEachBackend(
  "Pool: a task's exception rejects with RemoteError (class, message, stack, cause)",
  async (backend) => {
    await using pool = new Pool({ backend, processes: 1, module });
    const error = await rejection(pool.apply("fail", ["bad input"]));
    assert.ok(error instanceof RemoteError);
    assert.equal(error.remoteName, "RangeError");
    assert.equal(error.message, "bad input");
    assert.match(error.remoteStack, /at fail .*pool_tasks\.ts/);
    assert.ok(error.cause instanceof RangeError);
    assert.equal(((error.cause as Error).cause as Error).message, "inner");
    const coded = await rejection(pool.apply("failCoded", ["c"]));
    assert.equal(coded.remoteName, "CodedError");
    assert.equal((coded.cause as { code: number }).code, 7);
    const rejected = await rejection(pool.apply("rejectLater", ["async"]));
    assert.equal(rejected.message, "async");
  },
);

test("Pool: a dying worker fails only its running task; the rest of its batch runs elsewhere, once", async () => {
  await using pool = new Pool({ processes: 1, module });
  const counts = counters(10);
  const calls = Array.from(
    { length: 10 },
    (_, i) => pool.apply(countOrExit, [counts, i, [3]]),
  );
  const settled = await Promise.allSettled(calls);
  for (const [i, outcome] of settled.entries()) {
    if (i === 3) {
      assert.equal(outcome.status, "rejected");
      const error = (outcome as PromiseRejectedResult).reason;
      assert.ok(error instanceof WorkerExitError);
      assert.equal(error.exitCode, 2);
      assert.equal(typeof error.taskId, "number");
      assert.match(error.message, /ended with exit code 2 while running task/);
    } else {
      assert.deepEqual(outcome, { status: "fulfilled", value: i });
    }
  }
  assert.deepEqual([...counts], Array(10).fill(1));
  assert.ok(pool.stats.respawns >= 1);
});

testEachBackend(
  "Pool.imapUnordered(): a task calling Deno.exit(2) fails alone and the rest completes",
  async (backend) => {
    await using pool = new Pool({ backend, processes: 2, module });
    const items = Array.from({ length: 40 }, (_, i) => i);
    const it = pool.imapUnordered(exitOn17, items);
    const results: number[] = [];
    const errors: unknown[] = [];
    for (let i = 0; i < items.length; i++) {
      try {
        results.push((await it.next()).value);
      } catch (error) {
        errors.push(error);
      }
    }
    assert.equal((await it.next()).done, true);
    assert.deepEqual(
      results.sort((a, b) => a - b),
      items.filter((i) => i !== 17),
    );
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof WorkerExitError);
    assert.equal((errors[0] as WorkerExitError).exitCode, 2);
  },
);

testEachBackend(
  "Pool: self.close() and an uncaught error in a task end its worker with WorkerExitError",
  async (backend) => {
    await using pool = new Pool({ backend, processes: 1, module });
    const closed = await rejection(pool.apply("closeSelf", []));
    assert.ok(closed instanceof WorkerExitError);
    assert.equal(closed.exitCode, 0);
    const crashed = await rejection(pool.apply("crashLater", ["timer"]));
    assert.ok(crashed instanceof WorkerExitError);
    assert.equal(crashed.exitCode, 1);
    assert.ok(crashed.cause instanceof RemoteError);
    assert.equal((crashed.cause as RemoteError).message, "timer");
    assert.equal(await pool.apply("add", [1, 2]), 3);
  },
);

test("Pool: many workers dying under load lose and duplicate nothing", async () => {
  await using pool = new Pool({ processes: 2, module });
  const n = 300;
  const bad = [5, 50, 51, 120, 200, 201, 202, 299];
  const counts = counters(n);
  const settled = await Promise.allSettled(
    Array.from(
      { length: n },
      (_, i) => pool.apply(countOrExit, [counts, i, bad]),
    ),
  );
  for (const [i, outcome] of settled.entries()) {
    if (bad.includes(i)) {
      assert.ok(
        (outcome as PromiseRejectedResult).reason instanceof WorkerExitError,
        `task ${i}`,
      );
    } else {
      assert.deepEqual(outcome, { status: "fulfilled", value: i });
    }
  }
  assert.deepEqual([...counts], Array(n).fill(1));
});

test("Pool: maxTasksPerChild 1 over 200 tasks gives exact results, no duplicates", async () => {
  await using pool = new Pool({ processes: 2, maxTasksPerChild: 1, module });
  const counts = counters(200);
  const items = Array.from({ length: 200 }, (_, i) => i);
  const out = await Promise.all(
    items.map((i) => pool.apply(countAndTag, [counts, i])),
  );
  assert.deepEqual(out.map(([x]) => x), items);
  assert.deepEqual([...counts], Array(200).fill(1));
  assert.equal(new Set(out.map(([, pid]) => pid)).size, 200); // fresh workers
  assert.ok(pool.stats.respawns >= 190);
});

test("Pool: maxTasksPerChild recycles workers under a map without losing items", async () => {
  await using pool = new Pool({ processes: 2, maxTasksPerChild: 3, module });
  const counts = counters(100);
  const items = Array.from(
    { length: 100 },
    (_, i) => [counts, i] as [Int32Array, number],
  );
  const out = await pool.starmap(countCall, items, { chunksize: 2 });
  assert.deepEqual(out, items.map(([, i]) => i));
  assert.deepEqual([...counts], Array(100).fill(1));
  assert.ok(pool.stats.respawns >= 10);
});

test("Pool: taskTimeout rejects an async task, aborts its signal, and replaces the worker", async () => {
  await using pool = new Pool({ processes: 1, taskTimeout: 100, module });
  const flag = counters(1);
  const error = await rejection(pool.apply("waitForAbort", [flag]));
  assert.ok(error instanceof DOMException);
  assert.equal(error.name, "TimeoutError");
  await eventually(
    () => Atomics.load(flag, 0) === 1,
    "the task's signal to abort",
  );
  assert.equal(await pool.apply("add", [2, 2]), 4);
  assert.ok(pool.stats.respawns >= 1);
});

test("Pool: a worker stuck in synchronous code is reported in stats, not hidden", async () => {
  await using pool = new Pool({ processes: 1, taskTimeout: 100, module });
  const flag = counters(1);
  try {
    const error = await rejection(pool.apply("spinUntilSet", [flag]));
    assert.equal(error.name, "TimeoutError");
    assert.equal(await pool.apply("add", [1, 1]), 2); // a replacement serves
    await eventually(() => pool.stats.stuckWorkers === 1, "the stuck report");
  } finally {
    Atomics.store(flag, 0, 1); // let the stuck loop end
  }
  await eventually(() => pool.stats.stuckWorkers === 0, "the loop to end");
});

testEachBackend(
  "Pool: a failing initializer backs off, then fails the queued tasks with a clear error",
  async (backend) => {
    await using pool = new Pool({
      backend,
      processes: 2,
      initializer: "failingSetup",
      module,
    });
    const error = await rejection(pool.apply("add", [1, 2]));
    assert.match(
      error.message,
      /pool workers failed to start \d+ times in a row/,
    );
    assert.ok(error.cause instanceof RemoteError);
    assert.equal(error.cause.message, "cannot set up");
    assert.ok(pool.stats.workers <= 2);
    const again = await rejection(pool.apply("add", [1, 2]));
    assert.match(again.message, /failed to start/); // retried, failed again
  },
);

testEachBackend(
  "Pool: an initializer the module does not export fails tasks with its TypeError",
  async (backend) => {
    await using pool = new Pool({
      backend,
      processes: 1,
      initializer: "nope",
      module,
    });
    const error = await rejection(pool.apply("add", [1, 2]));
    assert.ok(error.cause instanceof TypeError);
    assert.match(error.cause.message, /Cannot run function "nope"/);
  },
);

test("Pool: uneven task lengths on 2 workers all settle once (work stealing)", async () => {
  await using pool = new Pool({ processes: 2, module });
  const counts = counters(120);
  const lengths = Array.from(
    { length: 120 },
    (_, i) => (i % 10 === 0 ? 30 : 1),
  );
  const out = await Promise.all(
    lengths.map((ms, i) =>
      pool.apply("sleep", [ms]).then(() => pool.apply(countCall, [counts, i]))
    ),
  );
  assert.deepEqual(out, lengths.map((_, i) => i));
  assert.deepEqual([...counts], Array(120).fill(1));
});

test("Pool: large binary arguments are copies, and a task re-sent after its worker died still has its bytes", async () => {
  const plain = new URL("../fixtures/pool_plain_tasks.ts", import.meta.url);
  await using pool = new Pool({ processes: 1, module: plain });
  const big = (mark: number) => new Uint8Array(64 * 1024).fill(mark);
  const inputs = [big(1), big(255), big(7), big(9)];
  const settled = await Promise.allSettled(
    inputs.map((data) => pool.apply("bytesOrExit", [data])),
  );
  assert.equal(settled[1]!.status, "rejected");
  for (const i of [0, 2, 3]) {
    const out = (settled[i] as PromiseFulfilledResult<Uint8Array>).value;
    assert.deepEqual(out, inputs[i]);
    assert.notEqual(out.buffer, inputs[i]!.buffer);
  }
  for (const data of inputs) assert.equal(data.byteLength, 64 * 1024); // not detached
  const many = Array.from({ length: 20 }, (_, i) => big(i));
  const echoed = await pool.map("bytes", many, { chunksize: 3 });
  assert.deepEqual(echoed, many);
  const starred = await pool.starmap("bytes", many.map((b) => [b]));
  assert.deepEqual(starred, many);
});

test("Pool: join() after close() does not wait on a pending respawn back-off", async () => {
  const pool = new Pool({ processes: 2, initializer: "failingSetup", module });
  await rejection(pool.apply("add", [1, 2]));
  pool.close();
  await pool.join({ timeout: 30_000 });
  assert.equal(pool.stats.workers, 0);
});
