import assert from "node:assert/strict";
import { AGENT_SLOTS, markAgentDead } from "../../sync/_agent.ts";
import { describe, revive } from "../../sync/_shareable.ts";
import { Lock, LockAbandonedError } from "../../sync/mod.ts";
import { desc, Remote, remotes } from "./_remote.ts";

function words(lock: Lock): Int32Array {
  const { data } = lock[describe]();
  return new Int32Array(data.buffer, data.offset, 1);
}

for (const sync of [false, true]) {
  const form = sync ? "acquireSync()" : "acquire()";
  Deno.test(`Lock.${form} keeps 2 workers × 200,000 plain increments exact`, async () => {
    const workers = await remotes(2);
    try {
      const lock = new Lock();
      const counter = new SharedArrayBuffer(4);
      await Promise.all(
        workers.map((w) =>
          w.call("increment", { lock: desc(lock), counter, n: 200_000, sync })
        ),
      );
      assert.equal(new Int32Array(counter)[0], 400_000);
      assert.equal(lock.locked(), false);
    } finally {
      for (const w of workers) w.terminate();
    }
  });
}

Deno.test("Lock.acquire() blocks a second worker until release()", async () => {
  await using worker = await Remote.start();
  const lock = new Lock();
  const guard = await lock.acquire();
  let done = false;
  const other = worker.call("acquire", { lock: desc(lock), sync: true })
    .then((v) => {
      done = true;
      return v;
    });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(done, false);
  guard.release();
  assert.equal(await other, "acquired");
  assert.equal(lock.locked(), false);
});

Deno.test("Lock.acquire() on the main thread waits for a worker's release()", async () => {
  await using worker = await Remote.start();
  const lock = new Lock();
  assert.equal(
    await worker.call("hold", { lock: desc(lock), sync: false }),
    "held",
  );
  assert.equal(lock.tryAcquire(), undefined);
  const waiting = lock.acquire();
  await worker.call("release", { lock: desc(lock) });
  using _guard = await waiting;
  assert.equal(lock.locked(), true);
});

Deno.test("Lock.acquire() times out with a TimeoutError and leaves no waiter", async () => {
  const lock = new Lock();
  using _held = lock.acquireSync();
  await assert.rejects(lock.acquire({ timeout: 20 }), (error: unknown) => {
    assert.ok(error instanceof DOMException);
    assert.equal(error.name, "TimeoutError");
    return true;
  });
  assert.equal(Atomics.notify(words(lock), 0), 0);
});

Deno.test("Lock.acquireSync() times out with a TimeoutError in a worker", async () => {
  await using worker = await Remote.start();
  const lock = new Lock();
  using _held = lock.acquireSync();
  await assert.rejects(
    worker.call("acquire", { lock: desc(lock), sync: true, timeout: 20 }),
    { name: "TimeoutError" },
  );
  await assert.rejects(
    worker.call("acquire", { lock: desc(lock), sync: false, timeout: 0 }),
    { name: "TimeoutError" },
  );
});

Deno.test("Lock.acquire() rejects with signal.reason on abort and leaves no waiter", async () => {
  const lock = new Lock();
  using _held = lock.acquireSync();
  const controller = new AbortController();
  const waiting = lock.acquire({ signal: controller.signal });
  await new Promise((r) => setTimeout(r, 10));
  const reason = new Error("stop");
  controller.abort(reason);
  await assert.rejects(waiting, (error) => error === reason);
  assert.equal(Atomics.notify(words(lock), 0), 0);
  // Already aborted: rejects at once, even though it never waits.
  await assert.rejects(
    new Lock().acquire({ signal: AbortSignal.abort(reason) }),
    (error) => error === reason,
  );
});

Deno.test("Lock.acquire() after an aborted waiter still hands the lock on", async () => {
  await using worker = await Remote.start();
  const lock = new Lock();
  const held = lock.acquireSync();
  const controller = new AbortController();
  const aborted = lock.acquire({ signal: controller.signal });
  const other = worker.call("acquire", { lock: desc(lock), sync: false });
  await new Promise((r) => setTimeout(r, 20));
  controller.abort();
  await assert.rejects(aborted);
  held.release();
  assert.equal(await other, "acquired");
});

Deno.test("Lock.tryAcquire() returns undefined while another worker holds it", async () => {
  await using worker = await Remote.start();
  const lock = new Lock();
  const guard = lock.tryAcquire();
  assert.ok(guard !== undefined);
  assert.equal(await worker.call("tryAcquire", { lock: desc(lock) }), false);
  guard.release();
  assert.equal(await worker.call("tryAcquire", { lock: desc(lock) }), true);
});

Deno.test("Lock.release() of an unlocked lock is a RangeError; the guard releases once", () => {
  const lock = new Lock();
  assert.throws(() => lock.release(), {
    name: "RangeError",
    message: "Cannot release Lock as it is not locked",
  });
  const guard = lock.acquireSync();
  guard.release();
  const second = lock.acquireSync();
  guard.release(); // a released guard does nothing, so `second` still holds
  assert.equal(lock.locked(), true);
  second[Symbol.dispose]();
  assert.equal(lock.locked(), false);
});

Deno.test("Lock.acquire() of a lock held by a dead worker throws LockAbandonedError with the guard", async () => {
  const worker = await Remote.start();
  const lock = new Lock();
  try {
    await worker.call("hold", { lock: desc(lock), sync: true });
  } finally {
    worker.terminate();
  }
  assert.equal(lock.tryAcquire(), undefined);
  markAgentDead(worker.agentId);
  const error = await lock.acquire().catch((e) => e);
  assert.ok(error instanceof LockAbandonedError);
  assert.equal(error.name, "LockAbandonedError");
  assert.equal(lock.locked(), true);
  error.guard.release();
  assert.equal(lock.locked(), false);
  using _again = await lock.acquire();
});

Deno.test("Lock waiters asleep when the holder dies take the lock over", async () => {
  const [holder, waiter] = await remotes(2);
  try {
    const lock = new Lock();
    await holder!.call("hold", { lock: desc(lock), sync: false });
    const sync = waiter!.call("acquire", { lock: desc(lock), sync: true });
    const async = lock.acquire().then((guard) => {
      guard.release();
      return "acquired";
    }, (error) => {
      assert.ok(error instanceof LockAbandonedError);
      error.guard.release();
      return "abandoned";
    });
    await new Promise((r) => setTimeout(r, 30));
    holder!.terminate();
    markAgentDead(holder!.agentId);
    const outcomes = await Promise.all([sync, async]);
    assert.deepEqual(outcomes.sort(), ["abandoned", "acquired"]);
    assert.equal(lock.locked(), false);
  } finally {
    holder!.terminate();
    waiter!.terminate();
  }
});

Deno.test("Lock crosses into a worker by its description and revives over the same memory", () => {
  const lock = new Lock();
  const { kind, data } = lock[describe]();
  assert.equal(kind, "sync.Lock");
  const twin = Lock[revive](structuredClone(data));
  using _guard = twin.acquireSync();
  assert.equal(lock.locked(), true);
  assert.throws(
    () => Lock[revive]({ buffer: new ArrayBuffer(4) } as never),
    TypeError,
  );
});

Deno.test("new Lock() rejects memory that is not a shared Int32Array", () => {
  assert.throws(() => new Lock({ memory: new Int32Array(1) }), TypeError);
  assert.throws(
    () => new Lock({ memory: new Int32Array(new SharedArrayBuffer(0)) }),
    RangeError,
  );
  assert.throws(() => new Lock().acquireSync({ timeout: -1 }), RangeError);
  assert.throws(
    () => new Lock().acquireSync({ timeout: "1" as never }),
    TypeError,
  );
});

for (const sync of [false, true]) {
  const form = sync ? "acquireSync()" : "acquire()";
  Deno.test(`Lock.${form} starves neither of 2 workers taking turns 300 times`, async () => {
    const workers = await remotes(2);
    try {
      const lock = new Lock();
      const counter = new SharedArrayBuffer(4);
      const done = await Promise.all(
        workers.map((w, me) =>
          w.call("lockPingPong", {
            lock: desc(lock),
            counter,
            me,
            rounds: 300,
            sync,
          })
        ),
      );
      assert.deepEqual(done, [300, 300]);
      assert.equal(new Int32Array(counter)[0], 600);
      assert.equal(lock.locked(), false);
    } finally {
      for (const w of workers) w.terminate();
    }
  });
}

Deno.test("Lock works in workers that never joined the agent table", async () => {
  const workers = await Promise.all([Remote.start(false), Remote.start(false)]);
  try {
    assert.ok(workers.every((w) => w.agentId >= AGENT_SLOTS));
    assert.notEqual(workers[0]!.agentId, workers[1]!.agentId);
    const lock = new Lock();
    const counter = new SharedArrayBuffer(4);
    const guard = lock.acquireSync(); // the main thread goes first
    const running = workers.map((w) =>
      w.call("increment", { lock: desc(lock), counter, n: 50_000, sync: true })
    );
    guard.release();
    await Promise.all(running);
    assert.equal(new Int32Array(counter)[0], 100_000);
  } finally {
    for (const w of workers) w.terminate();
  }
});
