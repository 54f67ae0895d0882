import assert from "node:assert/strict";
import { JoinableQueue, Queue, SimpleQueue } from "../../ipc/mod.ts";
import { describe, revive } from "../../sync/_shareable.ts";
import { Remote } from "./_remote.ts";

Deno.test("JoinableQueue.join() waits until a Worker has called taskDone() for every item", async () => {
  const queue = new JoinableQueue<number>();
  for (let i = 1; i <= 100; i++) await queue.put(i);
  assert.equal(queue.unfinished, 100);
  await using remote = await Remote.start();
  const work = remote.call("work", { queue, count: 100 });
  await queue.join({ timeout: 20_000 });
  assert.equal(queue.unfinished, 0);
  assert.equal(await work, 5050);
  queue.joinSync({ timeout: 0 });
});

Deno.test("JoinableQueue.taskDone() called more times than items were put throws RangeError", async () => {
  const queue = new JoinableQueue<string>();
  await queue.put("a");
  assert.equal(await queue.get(), "a");
  queue.taskDone();
  assert.throws(() => queue.taskDone(), RangeError);
  assert.equal(queue.unfinished, 0);
});

Deno.test("JoinableQueue.join() times out while items are unfinished", async () => {
  const queue = new JoinableQueue<number>();
  await queue.put(1);
  await assert.rejects(
    queue.join({ timeout: 10 }),
    (error: DOMException) => error.name === "TimeoutError",
  );
  assert.throws(
    () => queue.joinSync({ timeout: 10 }),
    (error: DOMException) => error.name === "TimeoutError",
  );
  await queue.get();
  queue.taskDone();
  await queue.join();
});

Deno.test("JoinableQueue and SimpleQueue revive as their own class over the same memory", async () => {
  const joinable = new JoinableQueue<number>();
  const simple = new SimpleQueue<number>();
  const j2 = JoinableQueue[revive](joinable[describe]().data);
  const s2 = SimpleQueue[revive](simple[describe]().data);
  assert.ok(j2 instanceof JoinableQueue);
  assert.ok(s2 instanceof SimpleQueue);
  assert.equal(joinable[describe]().kind, "ipc.JoinableQueue");
  assert.equal(simple[describe]().kind, "ipc.SimpleQueue");
  assert.equal(new Queue()[describe]().kind, "ipc.Queue");
  await j2.put(1);
  assert.equal(await joinable.get(), 1);
  joinable.taskDone();
  assert.equal(j2.unfinished, 0);
  await simple.put(2);
  assert.equal(await s2.get(), 2);
  assert.equal(simple.maxsize, 0);
  assert.throws(
    () => Queue[revive]({ buffer: new SharedArrayBuffer(8) }),
    TypeError,
  );
});

Deno.test("SimpleQueue carries items from a Worker", async () => {
  const queue = new SimpleQueue<{ p: number; i: number }>();
  await using remote = await Remote.start();
  await remote.call("produce", { queue, producer: 1, count: 3, sync: true });
  assert.equal(queue.empty(), false);
  const items = [await queue.get(), await queue.get(), await queue.get()];
  assert.deepEqual(items.map((item) => item.i), [0, 1, 2]);
  assert.equal(queue.empty(), true);
});
