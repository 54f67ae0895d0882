import assert from "node:assert/strict";
import { describe, revive } from "../../sync/_shareable.ts";
import { Barrier, BrokenBarrierError } from "../../sync/mod.ts";
import { desc, Remote, remotes } from "./_remote.ts";

/** Settles to the value or the error, so that a rejection is never unhandled. */
function settled<T>(promise: Promise<T>): Promise<T | Error> {
  return promise.catch((error) => error);
}

/** Checks that `outcome` is an error of class name `name`. */
async function failsWith(outcome: Promise<unknown>, name: string) {
  const error = await outcome;
  assert.ok(error instanceof Error, `expected ${name}, got ${error}`);
  assert.equal(error.name, name);
}

/** Resolves once `n` agents wait at the barrier (generous, not timed). */
async function waiting(barrier: Barrier, n: number): Promise<void> {
  while (barrier.nWaiting !== n) {
    await new Promise((r) => setTimeout(r, 1));
  }
}

for (const sync of [false, true]) {
  const form = sync ? "waitSync()" : "wait()";
  Deno.test(`Barrier.${form} meets the main thread and 2 workers for 20 cycles`, async () => {
    const workers = await remotes(2);
    try {
      let actions = 0;
      const barrier = new Barrier(3, { action: () => actions++ });
      const remote = workers.map((w) =>
        w.call<number[]>("barrierWait", {
          barrier: desc(barrier),
          sync,
          cycles: 20,
        })
      );
      const mine: number[] = [];
      for (let i = 0; i < 20; i++) mine.push(await barrier.wait());
      const all = [mine, ...await Promise.all(remote)];
      for (let cycle = 0; cycle < 20; cycle++) {
        assert.deepEqual(all.map((r) => r[cycle]).sort(), [0, 1, 2]);
      }
      assert.ok(actions <= 20); // the action runs where the last arrives
      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
    } finally {
      for (const w of workers) w.terminate();
    }
  });

  Deno.test(`Barrier.${form} between 2 workers runs 500 cycles`, async () => {
    const workers = await remotes(2);
    try {
      const barrier = new Barrier(2);
      const results = await Promise.all(
        workers.map((w) =>
          w.call<number[]>("barrierWait", {
            barrier: desc(barrier),
            sync,
            cycles: 500,
          })
        ),
      );
      for (let cycle = 0; cycle < 500; cycle++) {
        assert.deepEqual(results.map((r) => r[cycle]).sort(), [0, 1]);
      }
    } finally {
      for (const w of workers) w.terminate();
    }
  });

  Deno.test(`Barrier.${form} that times out in a worker breaks the barrier for everyone`, async () => {
    await using worker = await Remote.start();
    const barrier = new Barrier(3);
    const mine = settled(barrier.wait());
    await waiting(barrier, 1);
    await assert.rejects(
      worker.call("barrierWait", { barrier: desc(barrier), sync, timeout: 10 }),
      { name: "TimeoutError" },
    );
    assert.ok(await mine instanceof BrokenBarrierError);
    assert.equal(barrier.broken, true);
    await assert.rejects(barrier.wait(), { name: "BrokenBarrierError" });
    barrier.reset();
    assert.equal(barrier.broken, false);
    const again = worker.call("barrierWait", { barrier: desc(barrier), sync });
    const third = barrier.wait();
    assert.deepEqual(
      [await barrier.wait(), await again, await third].sort(),
      [0, 1, 2],
    );
  });
}

Deno.test("Barrier.wait() aborted by its signal breaks the barrier for a waiting worker", async () => {
  await using worker = await Remote.start();
  const barrier = new Barrier(3);
  const theirs = settled(worker.call("barrierWait", {
    barrier: desc(barrier),
    sync: true,
  }));
  await waiting(barrier, 1);
  const reason = new Error("stop");
  const controller = new AbortController();
  const mine = barrier.wait({ signal: controller.signal });
  controller.abort(reason);
  await assert.rejects(mine, (e) => e === reason);
  await failsWith(theirs, "BrokenBarrierError");
  assert.equal(barrier.broken, true);
});

Deno.test("Barrier.reset() sends current waiters BrokenBarrierError and is reusable after", async () => {
  const workers = await remotes(2);
  try {
    const barrier = new Barrier(3);
    const theirs = workers.map((w) =>
      settled(w.call("barrierWait", { barrier: desc(barrier), sync: true }))
    );
    await waiting(barrier, 2);
    barrier.reset();
    for (const t of theirs) await failsWith(t, "BrokenBarrierError");
    assert.equal(barrier.broken, false);
    const again = workers.map((w) =>
      w.call("barrierWait", { barrier: desc(barrier), sync: false })
    );
    const mine = await barrier.wait();
    assert.deepEqual([mine, ...await Promise.all(again)].sort(), [0, 1, 2]);
  } finally {
    for (const w of workers) w.terminate();
  }
});

Deno.test("Barrier.abort() breaks waiters in a worker", async () => {
  await using worker = await Remote.start();
  const barrier = new Barrier(2);
  const theirs = settled(worker.call("barrierWait", {
    barrier: desc(barrier),
    sync: false,
  }));
  await waiting(barrier, 1);
  barrier.abort();
  await failsWith(theirs, "BrokenBarrierError");
});

Deno.test("Barrier action that throws breaks the barrier; its error reaches the last arrival", async () => {
  await using worker = await Remote.start();
  const failure = new Error("action failed");
  const barrier = new Barrier(2, {
    action: () => {
      throw failure;
    },
  });
  const theirs = settled(worker.call("barrierWait", {
    barrier: desc(barrier),
    sync: true,
  }));
  await waiting(barrier, 1);
  await assert.rejects(barrier.wait(), (e) => e === failure);
  await failsWith(theirs, "BrokenBarrierError");
});

Deno.test("new Barrier() rejects bad parties and actions", () => {
  assert.throws(() => new Barrier(0), {
    name: "RangeError",
    message:
      "Cannot create Barrier as parties must be an integer from 1 to 65535: received 0",
  });
  assert.throws(() => new Barrier(1.5), RangeError);
  assert.throws(() => new Barrier("2" as never), TypeError);
  assert.throws(() => new Barrier(2, { action: 1 as never }), TypeError);
  assert.equal(new Barrier(2).parties, 2);
});

Deno.test("Barrier revives over the same memory", async () => {
  const barrier = new Barrier(2);
  const { kind, data } = barrier[describe]();
  assert.equal(kind, "sync.Barrier");
  const twin = Barrier[revive](structuredClone(data));
  assert.equal(twin.parties, 2);
  const indexes = await Promise.all([barrier.wait(), twin.wait()]);
  assert.deepEqual(indexes.sort(), [0, 1]);
});
