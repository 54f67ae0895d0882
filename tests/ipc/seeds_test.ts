// The classic Queue and Pipe examples of Python's multiprocessing (the seed
// articles), each with real Workers.
import assert from "node:assert/strict";
import { pipe, Queue } from "../../ipc/mod.ts";
import { Remote } from "./_remote.ts";

Deno.test("seed: a producer Worker and a consumer Worker share a Queue, ended by a None-like sentinel", async () => {
  const queue = new Queue<number | null>();
  await using producer = await Remote.start();
  await using consumer = await Remote.start();
  const consumed = consumer.call("getUntilNull", { queue });
  await producer.call("putAll", { queue, items: [0, 1, 2, 3, 4, null] });
  assert.deepEqual(await consumed, [0, 1, 2, 3, 4]);
});

Deno.test("seed: the parent puts, three children each get one item", async () => {
  const queue = new Queue<string>();
  for (const item of ["h1", "h2", "h3"]) await queue.put(item);
  const children = await Promise.all([0, 1, 2].map(() => Remote.start()));
  try {
    const got = await Promise.all(
      children.map((child) => child.call("getOne", { queue })),
    );
    assert.deepEqual(got.sort(), ["h1", "h2", "h3"]);
  } finally {
    for (const child of children) child.terminate();
  }
});

Deno.test("seed: a child sends a list through a Pipe and the parent answers", async () => {
  const [parentConn, childConn] = pipe<unknown>();
  await using child = await Remote.start();
  const answer = child.call("ask", {
    conn: childConn,
    value: ["沐风", 666, "精易"],
  });
  assert.deepEqual(await parentConn.recv(), ["沐风", 666, "精易"]);
  await parentConn.send(666);
  assert.equal(await answer, 666);
  parentConn.close();
});
