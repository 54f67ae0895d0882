import assert from "node:assert/strict";
import { describe, revive } from "../../sync/_shareable.ts";
import { Condition, type ConditionData, Lock, RLock } from "../../sync/mod.ts";
import { desc, Remote, remotes } from "./_remote.ts";

/** Resolves once `flag[0] === n` (generous polling, not timed). */
async function until(flag: SharedArrayBuffer, n: number): Promise<void> {
  while (Atomics.load(new Int32Array(flag), 0) !== n) {
    await new Promise((r) => setTimeout(r, 1));
  }
}

for (const sync of [false, true]) {
  const form = sync ? "waitSync()" : "wait()";
  Deno.test(`Condition.notify(2) wakes exactly 2 of 3 workers blocked in ${form}`, async () => {
    const workers = await remotes(3);
    try {
      const condition = new Condition();
      const flag = new SharedArrayBuffer(4);
      let finished = 0;
      const waiting = workers.map((w) =>
        w.call("conditionWait", { condition: desc(condition), sync, flag })
          .then((v) => {
            finished++;
            return v;
          })
      );
      await until(flag, 3);
      {
        // Holding the lock means the third waiter has queued and let go.
        using _guard = await condition.acquire();
        assert.equal(condition.notify(2), 2);
      }
      while (finished < 2) await new Promise((r) => setTimeout(r, 1));
      await new Promise((r) => setTimeout(r, 50)); // a third would show now
      assert.equal(finished, 2);
      {
        using _guard = await condition.acquire();
        assert.equal(condition.notifyAll(), 1);
      }
      assert.deepEqual(await Promise.all(waiting), [
        "notified",
        "notified",
        "notified",
      ]);
    } finally {
      for (const w of workers) w.terminate();
    }
  });

  Deno.test(`Condition ping-pong between 2 workers (${form}) runs 500 rounds without starving`, async () => {
    const [a, b] = await remotes(2);
    try {
      const condition = new Condition(new Lock());
      const turn = new SharedArrayBuffer(4);
      const rounds = 500;
      const results = await Promise.all(
        [a, b].map((w, me) =>
          w!.call("conditionPingPong", {
            condition: desc(condition),
            turn,
            me,
            rounds,
            sync,
          })
        ),
      );
      assert.deepEqual(results, [rounds, rounds]);
      assert.equal(new Int32Array(turn)[0], 0);
    } finally {
      a!.terminate();
      b!.terminate();
    }
  });

  Deno.test(`Condition.${form} in a worker times out holding the lock again`, async () => {
    await using worker = await Remote.start();
    const condition = new Condition();
    await assert.rejects(
      worker.call("conditionWait", {
        condition: desc(condition),
        sync,
        timeout: 10,
      }),
      { name: "TimeoutError" },
    );
    using _guard = condition.acquireSync();
    assert.equal(condition.notify(), 0); // the timed-out waiter left
  });
}

Deno.test("Condition.wait() on the main thread is woken by a worker's notify()", async () => {
  await using worker = await Remote.start();
  const condition = new Condition();
  using _guard = await condition.acquire();
  const waiting = condition.wait();
  assert.equal(condition.lock.locked(), false); // released while waiting
  assert.equal(
    await worker.call("conditionNotify", { condition: desc(condition) }),
    1,
  );
  await waiting;
  assert.equal(condition.lock.locked(), true);
});

Deno.test("Condition never loses a notify that races a waiter's timeout", async () => {
  await using worker = await Remote.start();
  const condition = new Condition();
  const flag = new SharedArrayBuffer(4);
  for (let round = 1; round <= 40; round++) {
    const outcome = worker.call("conditionWait", {
      condition: desc(condition),
      sync: round % 2 === 0,
      timeout: 2,
      flag,
    }).catch((e) => e.name);
    await until(flag, round);
    let woken;
    {
      using _guard = await condition.acquire();
      woken = condition.notify();
    }
    const result = await outcome;
    assert.equal(woken, result === "notified" ? 1 : 0, `round ${round}`);
    if (woken === 0) assert.equal(result, "TimeoutError");
  }
});

Deno.test("Condition.wait() aborts with signal.reason, lock held again, no waiter left", async () => {
  const condition = new Condition();
  const reason = new Error("stop");
  const controller = new AbortController();
  using _guard = await condition.acquire();
  const waiting = condition.wait({ signal: controller.signal });
  controller.abort(reason);
  await assert.rejects(waiting, (e) => e === reason);
  assert.equal(condition.lock.locked(), true);
  assert.equal(condition.notify(), 0);
});

Deno.test("Condition.wait() without the lock is an error; an RLock held twice is restored", async () => {
  const condition = new Condition();
  await assert.rejects(condition.wait(), {
    message:
      "Cannot wait on Condition as this agent does not hold its lock: acquire it first",
  });
  assert.throws(() => condition.notify(), Error);
  const outer = condition.acquireSync();
  const inner = condition.acquireSync();
  assert.throws(() => condition.waitSync({ timeout: 1 }), {
    name: "TimeoutError",
  });
  inner.release();
  assert.equal(condition.lock.locked(), true);
  outer.release();
  assert.equal(condition.lock.locked(), false);
});

Deno.test("Condition.waitFor() checks the predicate after each wake-up", async () => {
  await using worker = await Remote.start();
  const condition = new Condition(new RLock());
  const state = new Int32Array(new SharedArrayBuffer(4));
  using _guard = await condition.acquire();
  let calls = 0;
  const waiting = condition.waitFor(() => {
    calls++;
    return state[0] === 2 ? "two" : undefined;
  });
  state[0] = 1;
  await worker.call("conditionNotify", { condition: desc(condition) });
  while (calls < 2) await new Promise((r) => setTimeout(r, 1));
  state[0] = 2;
  await worker.call("conditionNotify", { condition: desc(condition) });
  assert.equal(await waiting, "two");
  assert.equal(calls, 3);
  await assert.rejects(condition.waitFor(() => false, { timeout: 5 }), {
    name: "TimeoutError",
  });
  assert.throws(() => condition.waitForSync(() => 0, { timeout: 5 }), {
    name: "TimeoutError",
  });
});

Deno.test("Condition refuses more than maxWaiters waiters with a RangeError", async () => {
  const condition = new Condition(new RLock(), { maxWaiters: 1 });
  const first = condition.acquireSync();
  const waiting = condition.wait();
  using _second = condition.acquireSync();
  await assert.rejects(condition.wait(), RangeError);
  condition.notify();
  _second.release();
  await waiting;
  first.release();
  assert.throws(() => new Condition({} as never), TypeError);
  assert.throws(() => new Condition(undefined, { maxWaiters: 0 }), RangeError);
});

Deno.test("Condition revives with its lock over the same memory", async () => {
  const workers = await remotes(2);
  try {
    const condition = new Condition(new Lock());
    const { kind, data } = condition[describe]();
    assert.equal(kind, "sync.Condition");
    assert.equal(data.lock.kind, "sync.Lock");
    const twin = Condition[revive](structuredClone(data));
    assert.ok(twin.lock instanceof Lock);
    using _guard = twin.acquireSync();
    assert.equal(condition.lock.locked(), true);
  } finally {
    for (const w of workers) w.terminate();
  }
});

Deno.test("Condition.lock, acquire(), acquireSync(), tryAcquire() and release() act on its lock", async () => {
  assert.ok(new Condition().lock instanceof RLock);
  {
    const condition = new Condition();
    using _guard = await condition.acquire();
    assert.equal(condition.lock.locked(), true);
  }
  {
    const condition = new Condition();
    using _guard = condition.acquireSync();
    assert.equal(condition.lock.locked(), true);
  }
  {
    using guard = new Condition().tryAcquire();
    assert.notEqual(guard, undefined);
  }
  {
    const condition = new Condition();
    condition.acquireSync();
    condition.release();
    assert.equal(condition.lock.locked(), false);
  }
});

Deno.test("Condition describes itself as its queue's memory and its lock's description, and revives over them", () => {
  {
    const data: ConditionData = new Condition()[describe]().data;
    assert.equal(data.slots, 64);
  }
  {
    const { kind, data } = new Condition()[describe]();
    assert.equal(kind, "sync.Condition");
    assert.equal(data.lock.kind, "sync.RLock");
  }
  {
    const condition = new Condition();
    const twin = Condition[revive](condition[describe]().data);
    using _guard = twin.acquireSync();
    assert.equal(condition.lock.locked(), true);
  }
});
