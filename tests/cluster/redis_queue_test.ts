import assert from "node:assert/strict";
import { RedisConnectionError, RedisQueue } from "@mp/multiprocessing/cluster";
import { QueueClosedError } from "@mp/multiprocessing/ipc";
import { clusterTest, RedisServer } from "./_redis_server.ts";

clusterTest(
  "RedisQueue.put()/get() keep FIFO order and the items' types",
  async () => {
    await using server = await RedisServer.start();
    await using queue = await RedisQueue.connect<unknown>("fifo", {
      redis: server.url,
    });
    const items = [
      1,
      "1",
      0.25,
      2n,
      new Map([[1, "a"]]),
      new Set(["x"]),
      new Date(0),
      {
        nested: [new Uint8Array([1, 2, 3])],
      },
      null,
      undefined,
    ];
    for (const item of items) await queue.put(item);
    assert.equal(await queue.qsize(), items.length);
    const got: unknown[] = [];
    for (let i = 0; i < items.length; i++) got.push(await queue.get());
    assert.deepEqual(got, items);
    assert.equal(await queue.empty(), true);
  },
);

clusterTest(
  "RedisQueue.get() on one handle receives a put() from another",
  async () => {
    await using server = await RedisServer.start();
    await using a = await RedisQueue.connect<string>("shared", {
      redis: server.url,
    });
    await using b = await RedisQueue.connect<string>("shared", {
      redis: server.url,
    });
    const waiting = b.get();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await a.put("hello");
    assert.equal(await waiting, "hello");
  },
);

clusterTest(
  "RedisQueue.get() times out and an aborted get() loses no item",
  async () => {
    await using server = await RedisServer.start();
    await using queue = await RedisQueue.connect<number>("timeouts", {
      redis: server.url,
    });
    await assert.rejects(queue.get({ timeout: 50 }), { name: "TimeoutError" });
    const controller = new AbortController();
    const waiting = queue.get({ signal: controller.signal });
    controller.abort(new Error("stop"));
    await assert.rejects(waiting, { message: "stop" });
    await queue.put(7);
    assert.equal(await queue.get({ timeout: 10_000 }), 7);
    assert.deepEqual(await queue.tryGet(), { ok: false });
  },
);

clusterTest(
  "RedisQueue with maxsize: tryPut() refuses when full, put() waits for room",
  async () => {
    await using server = await RedisServer.start();
    await using queue = await RedisQueue.connect<number>("bounded", {
      redis: server.url,
      maxsize: 2,
    });
    assert.equal(queue.maxsize, 2);
    assert.equal(await queue.tryPut(1), true);
    assert.equal(await queue.tryPut(2), true);
    assert.equal(await queue.tryPut(3), false);
    assert.equal(await queue.full(), true);
    await assert.rejects(queue.put(3, { timeout: 30 }), {
      name: "TimeoutError",
    });
    const putting = queue.put(3);
    assert.equal(await queue.get(), 1);
    await putting;
    assert.deepEqual(await queue.tryGet(), { ok: true, value: 2 });
    assert.deepEqual(await queue.tryGet(), { ok: true, value: 3 });
    await assert.rejects(
      RedisQueue.connect("bounded", { redis: server.url, maxsize: 5 }),
      RangeError,
    );
    await using again = await RedisQueue.connect("bounded", {
      redis: server.url,
    });
    assert.equal(again.maxsize, 2);
  },
);

clusterTest(
  "RedisQueue.close() lets consumers drain, then ends for await and refuses put()",
  async () => {
    await using server = await RedisServer.start();
    await using producer = await RedisQueue.connect<number>("closing", {
      redis: server.url,
    });
    await using consumer = await RedisQueue.connect<number>("closing", {
      redis: server.url,
    });
    await producer.put(1);
    await producer.put(2);
    await producer.close();
    await producer.close(); // idempotent
    assert.equal(await consumer.isClosed(), true);
    assert.equal(await consumer.qsize(), 2);
    const got: number[] = [];
    for await (const item of consumer) got.push(item);
    assert.deepEqual(got, [1, 2]);
    await assert.rejects(consumer.get(), QueueClosedError);
    await assert.rejects(producer.put(3), QueueClosedError);
    assert.deepEqual(await consumer.tryGet(), { ok: false });
    await producer.unlink();
    await using fresh = await RedisQueue.connect<number>("closing", {
      redis: server.url,
    });
    await fresh.put(4);
    assert.equal(await fresh.get(), 4);
  },
);

clusterTest(
  "RedisQueue.close() wakes a consumer that is already waiting",
  async () => {
    await using server = await RedisServer.start();
    await using a = await RedisQueue.connect<number>("wake", {
      redis: server.url,
    });
    await using b = await RedisQueue.connect<number>("wake", {
      redis: server.url,
    });
    const waiting = b.get();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await a.close();
    await assert.rejects(waiting, QueueClosedError);
  },
);

clusterTest(
  "RedisQueue.put() refuses what the codec cannot carry",
  async () => {
    await using server = await RedisServer.start();
    await using queue = await RedisQueue.connect<unknown>("refuse", {
      redis: server.url,
    });
    await assert.rejects(queue.put({ f: () => 1 }), TypeError);
    await assert.rejects(queue.put(new SharedArrayBuffer(8)), TypeError);
  },
);

clusterTest(
  "RedisQueue.connect() gives RedisConnectionError when Redis is down",
  async () => {
    const server = await RedisServer.start();
    const url = server.url;
    await server.stop();
    const error = await RedisQueue.connect("down", { redis: url }).catch((e) =>
      e
    );
    assert.ok(error instanceof RedisConnectionError);
    assert.match(
      error.message,
      /Cannot connect RedisQueue "down" to Redis at redis:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/,
    );
  },
);

clusterTest("RedisQueue survives a Redis restart by reconnecting", async () => {
  await using server = await RedisServer.start();
  await using queue = await RedisQueue.connect<number>("restart", {
    redis: server.url,
  });
  await queue.put(1);
  assert.equal(await queue.get(), 1);
  const waiting = queue.get({ timeout: 30_000 });
  await server.restart();
  await queue.put(2);
  assert.equal(await waiting, 2);
});
