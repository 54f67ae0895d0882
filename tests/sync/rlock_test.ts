import assert from "node:assert/strict";
import { markAgentDead } from "../../sync/_agent.ts";
import { describe, revive } from "../../sync/_shareable.ts";
import { LockAbandonedError, RLock } from "../../sync/mod.ts";
import { desc, Remote, remotes } from "./_remote.ts";

for (const sync of [false, true]) {
  const form = sync ? "acquireSync()" : "acquire()";
  Deno.test(`RLock.${form} taken twice keeps 2 workers × 200,000 plain increments exact`, async () => {
    const workers = await remotes(2);
    try {
      const lock = new RLock();
      const counter = new SharedArrayBuffer(4);
      await Promise.all(workers.map((w) =>
        w.call("increment", {
          lock: desc(lock),
          counter,
          n: 200_000,
          sync,
          depth: 2,
        })
      ));
      assert.equal(new Int32Array(counter)[0], 400_000);
      assert.equal(lock.locked(), false);
    } finally {
      for (const w of workers) w.terminate();
    }
  });
}

Deno.test("RLock.acquire() is re-entrant for its holder and excludes other workers", async () => {
  await using worker = await Remote.start();
  const lock = new RLock();
  const outer = await lock.acquire();
  const inner = lock.acquireSync();
  assert.equal(await worker.call("tryAcquire", { lock: desc(lock) }), false);
  inner.release();
  assert.equal(await worker.call("tryAcquire", { lock: desc(lock) }), false);
  outer.release();
  assert.equal(await worker.call("tryAcquire", { lock: desc(lock) }), true);
});

Deno.test("RLock.release() by an agent that does not hold it is an error", async () => {
  await using worker = await Remote.start();
  const lock = new RLock();
  assert.throws(() => lock.release(), {
    message:
      "Cannot release RLock as this agent does not hold it: it is not locked",
  });
  await worker.call("hold", { lock: desc(lock), sync: true });
  assert.throws(() => lock.release(), {
    message:
      `Cannot release RLock as this agent does not hold it: agent ${worker.agentId} holds it`,
  });
  await assert.rejects(
    worker.call("release", { lock: desc(lock) }).then(() =>
      worker.call("release", { lock: desc(lock) })
    ),
    { message: /does not hold it: it is not locked/ },
  );
});

Deno.test("RLock.acquire() times out, aborts and leaves no waiter behind", async () => {
  await using worker = await Remote.start();
  const lock = new RLock();
  await worker.call("hold", { lock: desc(lock), sync: false });
  await assert.rejects(lock.acquire({ timeout: 10 }), { name: "TimeoutError" });
  assert.throws(() => lock.acquireSync({ timeout: 10 }), {
    name: "TimeoutError",
  });
  const reason = new Error("stop");
  await assert.rejects(
    lock.acquire({ signal: AbortSignal.timeout(10) }),
    { name: "TimeoutError" },
  );
  const controller = new AbortController();
  const waiting = lock.acquire({ signal: controller.signal });
  controller.abort(reason);
  await assert.rejects(waiting, (e) => e === reason);
  const { data } = lock[describe]();
  assert.equal(Atomics.notify(new Int32Array(data.buffer, data.offset), 0), 0);
  assert.equal(lock.tryAcquire(), undefined);
});

Deno.test("RLock held twice by a dead worker is taken over once with LockAbandonedError", async () => {
  const worker = await Remote.start();
  const lock = new RLock();
  try {
    await worker.call("hold", { lock: desc(lock), sync: true });
    await worker.call("hold", { lock: desc(lock), sync: true });
  } finally {
    worker.terminate();
  }
  markAgentDead(worker.agentId);
  const error = (() => {
    try {
      lock.acquireSync();
    } catch (e) {
      return e;
    }
  })();
  assert.ok(error instanceof LockAbandonedError);
  error.guard.release(); // one release frees it: the dead holds are gone
  assert.equal(lock.locked(), false);
});

Deno.test("RLock revives over the same memory, sharing the hold count", () => {
  const lock = new RLock();
  const { kind, data } = lock[describe]();
  assert.equal(kind, "sync.RLock");
  const twin = RLock[revive](structuredClone(data));
  lock.acquireSync();
  twin.acquireSync();
  lock.release();
  assert.equal(twin.locked(), true);
  twin.release();
  assert.equal(lock.locked(), false);
  assert.throws(
    () => new RLock({ memory: new Int32Array(new SharedArrayBuffer(4)) }),
    RangeError,
  );
});
