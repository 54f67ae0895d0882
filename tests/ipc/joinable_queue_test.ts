import assert from "node:assert/strict";
import { JoinableQueue } from "../../ipc/mod.ts";
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
