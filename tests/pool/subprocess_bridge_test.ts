import assert from "node:assert/strict";
import { Pool, Process } from "@mp/multiprocessing/pool";
import { JoinableQueue, pipe, Queue } from "@mp/multiprocessing/ipc";
import { toTransferable } from "../../ipc/_transfer.ts";
import { test } from "../_leak_check.ts";

const module = new URL(
  "../fixtures/subprocess_bridge_tasks.ts",
  import.meta.url,
);

async function eventually(
  condition: () => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`Timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test("Queue bridged into a subprocess Process: the child puts 0..4 and a sentinel, the parent gets them", async () => {
  const queue = new Queue<number | null>();
  const child = new Process({
    target: "produce",
    args: [queue],
    module,
    backend: "subprocess",
  });
  await child.start();
  const items: number[] = [];
  for (let item = await queue.get(); item !== null; item = await queue.get()) {
    items.push(item);
  }
  assert.deepEqual(items, [0, 1, 2, 3, 4]);
  assert.equal(await child.join(), 0);
});

test("Queue bridged into a subprocess Pool: the parent puts, 3 children get every item once", async () => {
  const queue = new Queue<number | null>();
  await using pool = new Pool({ processes: 3, module, backend: "subprocess" });
  const results = [0, 1, 2].map(() => pool.apply("consume", [queue]));
  for (let i = 0; i < 30; i++) await queue.put(i);
  for (let i = 0; i < 3; i++) await queue.put(null);
  const got = (await Promise.all(results) as number[][]).flat();
  assert.deepEqual(got.sort((a, b) => a - b), [...Array(30).keys()]);
  assert.equal(queue.qsize(), 0);
});

test("Connection bridged into a subprocess: the child sends a list, the parent answers", async () => {
  const [here, there] = pipe();
  try {
    await using pool = new Pool({
      processes: 1,
      module,
      backend: "subprocess",
    });
    const answer = pool.apply("ask", [there]);
    const list = await here.recv() as number[];
    assert.deepEqual(list, [1, 2, 3]);
    await here.send({ sum: list.reduce((a, b) => a + b) });
    assert.deepEqual(await answer, { sum: 6 });
  } finally {
    here.close();
    there.close();
  }
});

test("Queue bridged into a subprocess: a child killed in a pending get() takes nothing", async () => {
  const queue = new Queue<string>();
  const ready = new Queue<string>();
  const child = new Process({
    target: "getAfterReady",
    args: [queue, ready],
    module,
    backend: "subprocess",
  });
  await child.start();
  assert.equal(await ready.get(), "waiting");
  child.kill();
  assert.equal(await child.join(), -9);
  await queue.put("kept");
  assert.equal(await queue.get({ timeout: 10_000 }), "kept");
});

test("Queue bridged into a subprocess: an item taken for a child killed before it read it goes back", async () => {
  const queue = new Queue<string>();
  const ready = new Queue<string>();
  const child = new Process({
    target: "getThenSpin",
    args: [queue, ready],
    module,
    backend: "subprocess",
  });
  await child.start();
  assert.equal(await ready.get(), "waiting");
  await queue.put("only");
  // The parent's get for the child takes it; the spinning child never reads it.
  await eventually(() => queue.qsize() === 0, "the child's get to take it");
  child.kill();
  assert.equal(await child.join(), -9);
  assert.equal(await queue.get({ timeout: 10_000 }), "only");
  assert.equal(queue.qsize(), 0);
});

test("JoinableQueue bridged into a subprocess: taskDone() in the child lets join() in the parent end", async () => {
  const queue = new JoinableQueue<string>();
  await using pool = new Pool({ processes: 1, module, backend: "subprocess" });
  await queue.put("job");
  assert.equal(await pool.apply("getAndDone", [queue]), "job");
  await queue.join({ timeout: 10_000 });
  assert.equal(queue.unfinished, 0);
});

test("Queue bridged into a subprocess: closing it in the parent rejects the child's get() with QueueClosedError", async () => {
  const queue = new Queue<string>();
  await using pool = new Pool({ processes: 1, module, backend: "subprocess" });
  const result = pool.apply("getUntilClosed", [queue]);
  await queue.put("a");
  queue.close();
  assert.equal(await result, "QueueClosedError");
});

test("Connection bridged into a subprocess: closing the parent's end rejects the child's recv() with ConnectionClosedError", async () => {
  const [here, there] = pipe();
  try {
    await using pool = new Pool({
      processes: 1,
      module,
      backend: "subprocess",
    });
    const result = pool.apply("recvUntilClosed", [there]);
    await here.send("one");
    here.close();
    assert.equal(await result, "ConnectionClosedError");
  } finally {
    here.close();
    there.close();
  }
});

test("Queue bridged into a subprocess: timeout crosses, getSync() is refused with a clear error", async () => {
  const queue = new Queue<string>();
  await using pool = new Pool({ processes: 1, module, backend: "subprocess" });
  assert.equal(await pool.apply("getWithTimeout", [queue]), "TimeoutError");
  assert.match(
    await pool.apply("tryGetSync", [queue]) as string,
    /^TypeError: Cannot call getSync\(\) on a Queue bridged into a subprocess as its calls travel to the parent: use get\(\) instead$/,
  );
  await queue.put("still here");
  assert.equal(queue.qsize(), 1);
});

test("toTransferable() bridges a Queue across processes only when asked (the pool does, a Manager does not)", () => {
  const queue = new Queue<number>();
  assert.throws(
    () => toTransferable([queue], { crossProcess: true, name: "args" }),
    /^TypeError: Cannot send args\[0\] to another process as it is a ipc\.Queue over shared memory/,
  );
  const sent = toTransferable([queue], {
    crossProcess: true,
    bridge: true,
    name: "args",
  }) as { value: { kind: string }[] };
  assert.equal(sent.value[0]?.kind, "pool.BridgedQueue");
});
