import assert from "node:assert/strict";
import { describe, revive } from "../../sync/_shareable.ts";
import { Semaphore } from "../../sync/mod.ts";
import { desc, Remote, remotes } from "./_remote.ts";

function words(semaphore: Semaphore): Int32Array {
  const { data } = semaphore[describe]();
  return new Int32Array(data.buffer, data.offset, 2);
}

Deno.test("new Semaphore() rejects a negative, fractional or non-number value", () => {
  assert.throws(() => new Semaphore(-1), {
    name: "RangeError",
    message:
      "Cannot create Semaphore as value must be a non-negative integer: received -1",
  });
  assert.throws(() => new Semaphore(1.5), RangeError);
  assert.throws(() => new Semaphore(2 ** 31), RangeError);
  assert.throws(() => new Semaphore("1" as never), TypeError);
  assert.equal(new Semaphore().getValue(), 1);
  const semaphore = new Semaphore(0);
  assert.throws(() => semaphore.release(0), RangeError);
  assert.throws(() => semaphore.release(-1), RangeError);
  semaphore.release(2 ** 31 - 1);
  assert.throws(() => semaphore.release(), RangeError);
});

for (const sync of [false, true]) {
  const form = sync ? "acquireSync()" : "acquire()";
  Deno.test(`Semaphore(1).${form} keeps 2 workers × 50,000 plain increments exact`, async () => {
    const workers = await remotes(2);
    try {
      const semaphore = new Semaphore(1);
      const counter = new SharedArrayBuffer(4);
      await Promise.all(workers.map((w) =>
        w.call("increment", {
          lock: desc(semaphore),
          counter,
          n: 50_000,
          sync,
        })
      ));
      assert.equal(new Int32Array(counter)[0], 100_000);
      assert.equal(semaphore.getValue(), 1);
    } finally {
      for (const w of workers) w.terminate();
    }
  });

  Deno.test(`Semaphore.${form} in a worker waits for another worker's release()`, async () => {
    const [holder, waiter] = await remotes(2);
    try {
      const semaphore = new Semaphore(1);
      await holder!.call("hold", { lock: desc(semaphore), sync });
      const waiting = waiter!.call("acquire", { lock: desc(semaphore), sync });
      await holder!.call("release", { lock: desc(semaphore) });
      assert.equal(await waiting, "acquired");
      assert.equal(semaphore.getValue(), 1);
    } finally {
      holder!.terminate();
      waiter!.terminate();
    }
  });
}

Deno.test("Semaphore.release(2) from the main thread wakes 2 blocked workers", async () => {
  const workers = await remotes(2);
  try {
    const semaphore = new Semaphore(0);
    const waiting = workers.map((w) =>
      w.call("hold", { lock: desc(semaphore), sync: true })
    );
    semaphore.release(2);
    assert.deepEqual(await Promise.all(waiting), ["held", "held"]);
    assert.equal(semaphore.getValue(), 0);
  } finally {
    for (const w of workers) w.terminate();
  }
});

Deno.test("Semaphore.acquire() on the main thread waits for a worker's release()", async () => {
  await using worker = await Remote.start();
  const semaphore = new Semaphore(0);
  const waiting = semaphore.acquire();
  await worker.call("release", { lock: desc(semaphore) });
  using _unit = await waiting;
  assert.equal(semaphore.getValue(), 0);
});

Deno.test("Semaphore.acquire() times out and aborts leaving no waiter behind", async () => {
  await using worker = await Remote.start();
  const semaphore = new Semaphore(0);
  await assert.rejects(semaphore.acquire({ timeout: 10 }), {
    name: "TimeoutError",
  });
  assert.throws(() => semaphore.acquireSync({ timeout: 10 }), {
    name: "TimeoutError",
  });
  await assert.rejects(
    worker.call("acquire", { lock: desc(semaphore), sync: true, timeout: 10 }),
    { name: "TimeoutError" },
  );
  const reason = new Error("stop");
  const controller = new AbortController();
  const waiting = semaphore.acquire({ signal: controller.signal });
  controller.abort(reason);
  await assert.rejects(waiting, (e) => e === reason);
  const i32 = words(semaphore);
  assert.equal(Atomics.load(i32, 1), 0); // no sleeper registered
  assert.equal(Atomics.notify(i32, 0), 0); // nobody asleep on the count
  semaphore.release();
  assert.equal(semaphore.getValue(), 1); // the unit was not taken
});

Deno.test("Semaphore.tryAcquire() takes a unit only if there is one", () => {
  const semaphore = new Semaphore(1);
  const unit = semaphore.tryAcquire();
  assert.ok(unit !== undefined);
  assert.equal(semaphore.tryAcquire(), undefined);
  unit.release();
  unit.release(); // once only
  assert.equal(semaphore.getValue(), 1);
});

Deno.test("Semaphore revives over the same memory and keeps its count", () => {
  const semaphore = new Semaphore(3);
  const { kind, data } = semaphore[describe]();
  assert.equal(kind, "sync.Semaphore");
  const twin = Semaphore[revive](structuredClone(data));
  assert.equal(twin.getValue(), 3);
  twin.acquireSync();
  assert.equal(semaphore.getValue(), 2);
});
