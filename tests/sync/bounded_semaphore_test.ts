import assert from "node:assert/strict";
import { describe, revive } from "../../sync/_shareable.ts";
import { BoundedSemaphore } from "../../sync/mod.ts";
import { desc, Remote } from "./_remote.ts";

Deno.test("BoundedSemaphore.release() past the initial value is a RangeError that changes nothing", () => {
  const semaphore = new BoundedSemaphore(2);
  assert.throws(() => semaphore.release(), {
    name: "RangeError",
    message:
      "Cannot release BoundedSemaphore as its value would pass its initial value 2: received 1",
  });
  semaphore.acquireSync();
  assert.throws(() => semaphore.release(2), RangeError);
  assert.equal(semaphore.getValue(), 1);
  semaphore.release();
  assert.equal(semaphore.getValue(), 2);
  assert.throws(() => new BoundedSemaphore(-1), RangeError);
});

Deno.test("BoundedSemaphore over-released from a worker throws there", async () => {
  await using worker = await Remote.start();
  const semaphore = new BoundedSemaphore(1);
  await assert.rejects(worker.call("release", { lock: desc(semaphore) }), {
    name: "RangeError",
  });
  semaphore.acquireSync();
  await worker.call("release", { lock: desc(semaphore) });
  assert.equal(semaphore.getValue(), 1);
});

for (const sync of [false, true]) {
  Deno.test(`BoundedSemaphore.${sync ? "acquireSync" : "acquire"}() in a worker waits for the main thread's release()`, async () => {
    await using worker = await Remote.start();
    const semaphore = new BoundedSemaphore(1);
    const unit = semaphore.acquireSync();
    const waiting = worker.call("acquire", { lock: desc(semaphore), sync });
    await assert.rejects(semaphore.acquire({ timeout: 5 }), {
      name: "TimeoutError",
    });
    unit.release();
    assert.equal(await waiting, "acquired");
  });
}

Deno.test("BoundedSemaphore revives with its bound", () => {
  const semaphore = new BoundedSemaphore(1);
  const { kind, data } = semaphore[describe]();
  assert.equal(kind, "sync.BoundedSemaphore");
  const twin = BoundedSemaphore[revive](structuredClone(data));
  assert.throws(() => twin.release(), RangeError);
  using _unit = twin.acquireSync();
  assert.equal(semaphore.getValue(), 0);
});
