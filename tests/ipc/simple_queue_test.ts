import assert from "node:assert/strict";
import { SimpleQueue } from "../../ipc/mod.ts";
import { Remote } from "./_remote.ts";

Deno.test("SimpleQueue carries items from a Worker", async () => {
  const queue = new SimpleQueue<{ p: number; i: number }>();
  await using remote = await Remote.start();
  await remote.call("produce", { queue, producer: 1, count: 3, sync: true });
  assert.equal(queue.empty(), false);
  const items = [await queue.get(), await queue.get(), await queue.get()];
  assert.deepEqual(items.map((item) => item.i), [0, 1, 2]);
  assert.equal(queue.empty(), true);
});
