import assert from "node:assert/strict";
import {
  JoinableQueue,
  Queue,
  QueueClosedError,
  SimpleQueue,
} from "../../ipc/mod.ts";
import { describe, revive } from "../../sync/_shareable.ts";
import { encode } from "../../ipc/_codec.ts";
import { DONE, ringOf, RLOCK, WLOCK, WSTATE } from "../../ipc/_ring.ts";
import { Writer } from "../../ipc/_ring_writer.ts";
import { runAsync } from "../../ipc/_ring_wait.ts";
import { payload } from "../fixtures/ipc_worker.ts";
import { eventually, Remote } from "./_remote.ts";

Deno.test("Queue carries 3 producer Workers × 50,000 items to 2 consumer Workers and the main thread: no loss, no duplicate, per-producer order kept", async () => {
  const PRODUCERS = 3, PER = 50_000;
  const queue = new Queue<{ p: number; i: number }>({ bufferSize: 64 * 1024 });
  const remotes: Remote[] = [];
  try {
    for (let k = 0; k < 5; k++) remotes.push(await Remote.start());
    const consumers = [
      remotes[3]!.call("consume", { queue, sync: true }),
      remotes[4]!.call("consume", { queue, sync: false }),
    ];
    const producers = [0, 1, 2].map((p) =>
      remotes[p]!.call("produce", {
        queue,
        producer: p,
        count: PER,
        sync: p !== 2,
      })
    );
    const mine: number[] = [];
    const main = (async () => {
      for await (const item of queue) mine.push(item.p, item.i);
    })();
    await Promise.all(producers);
    queue.close();
    const lists = [
      ...(await Promise.all(consumers) as Int32Array[]),
      new Int32Array(await main.then(() => mine)),
    ];
    const seen = Array.from({ length: PRODUCERS }, () => new Uint8Array(PER));
    let total = 0;
    for (const list of lists) {
      const last = [-1, -1, -1];
      for (let j = 0; j < list.length; j += 2) {
        const p = list[j]!, i = list[j + 1]!;
        assert.ok(i > last[p]!, `producer ${p}: ${i} after ${last[p]}`);
        last[p] = i;
        assert.equal(seen[p]![i], 0, `duplicate ${p}/${i}`);
        seen[p]![i] = 1;
        total++;
      }
    }
    assert.equal(total, PRODUCERS * PER);
    assert.equal(queue.qsize(), 0);
  } finally {
    for (const remote of remotes) remote.terminate();
  }
});

Deno.test("Queue streams 5 MiB payloads from two producer Workers through a 64 KiB ring, byte-exact", async () => {
  const SIZE = 5 * 1024 * 1024, COUNT = 2;
  const queue = new Queue<{ p: number; k: number; bytes: Uint8Array }>({
    bufferSize: 64 * 1024,
  });
  await using a = await Remote.start();
  await using b = await Remote.start();
  const producers = [a, b].map((remote, p) =>
    remote.call("produceBig", { queue, producer: p, count: COUNT, size: SIZE })
  );
  const next = [0, 0];
  for (let n = 0; n < 2 * COUNT; n++) {
    const { p, k, bytes } = await queue.get({ timeout: 60_000 });
    assert.equal(k, next[p]!++);
    assert.equal(bytes.length, SIZE);
    assert.deepEqual(bytes, payload(p, k, SIZE));
  }
  await Promise.all(producers);
  assert.equal(queue.qsize(), 0);
});

Deno.test("Queue.getSync() and putSync() work on the main thread with a Worker on the other side", async () => {
  const queue = new Queue<{ p: number; i: number }>();
  await using remote = await Remote.start();
  const done = remote.call("produce", { queue, producer: 7, count: 100 });
  for (let i = 0; i < 100; i++) {
    assert.deepEqual(queue.getSync({ timeout: 20_000 }), { p: 7, i });
  }
  await done;
  const got = remote.call("getOne", { queue });
  queue.putSync(new Map([[1, "one"]]) as never);
  assert.deepEqual(await got, new Map([[1, "one"]]));
});

Deno.test("Queue keeps the types structured clone keeps", async () => {
  const queue = new Queue<unknown>();
  const values = [
    undefined,
    null,
    -0,
    NaN,
    2n ** 80n,
    "naïve ✓",
    [1, , 3],
    new Map<unknown, unknown>([[1, new Set(["a"])], ["1", new Date(5)]]),
    new Float64Array([1.5, -2]),
    new Uint8Array([1, 2, 3]).buffer,
    /x+/gi,
    { nested: { deep: [{ ok: true }] } },
  ];
  for (const value of values) await queue.put(value);
  for (const value of values) assert.deepEqual(await queue.get(), value);
  const error = new RangeError("too big", { cause: new Error("inner") });
  (error as unknown as { code: number }).code = 7;
  await queue.put(error);
  const back = await queue.get() as RangeError & { code: number };
  assert.ok(back instanceof RangeError);
  assert.equal(back.message, "too big");
  assert.equal(back.code, 7);
  assert.equal((back.cause as Error).message, "inner");
});

Deno.test("Queue.put() of an unclonable item throws TypeError naming the part, and the queue stays usable", async () => {
  const queue = new Queue<unknown>({ maxsize: 1 });
  await assert.rejects(
    queue.put({ ok: 1, callback: () => 1 }),
    (error: Error) =>
      error instanceof TypeError && /item\.callback/.test(error.message),
  );
  assert.throws(() => queue.tryPut(Symbol("s")), TypeError);
  assert.throws(
    () => queue.putSync({ weak: new WeakMap() }),
    /item\.weak as it is not clonable/,
  );
  assert.equal(queue.qsize(), 0);
  await queue.put("still works");
  assert.equal(await queue.get(), "still works");
});

Deno.test("new Queue() rejects a negative, fractional or non-number maxsize", () => {
  assert.throws(() => new Queue({ maxsize: -1 }), RangeError);
  assert.throws(() => new Queue({ maxsize: 1.5 }), RangeError);
  assert.throws(() => new Queue({ maxsize: "3" as never }), TypeError);
  assert.throws(() => new Queue({ bufferSize: 16 }), RangeError);
});

Deno.test("Queue.put() waits while the queue is full, and times out with TimeoutError", async () => {
  const queue = new Queue<number>({ maxsize: 2 });
  await queue.put(1);
  assert.equal(queue.tryPut(2), true);
  assert.equal(queue.full(), true);
  assert.equal(queue.tryPut(3), false);
  await assert.rejects(
    queue.put(3, { timeout: 20 }),
    (error: DOMException) => error.name === "TimeoutError",
  );
  assert.throws(
    () => queue.putSync(3, { timeout: 0 }),
    (error: DOMException) => error.name === "TimeoutError",
  );
  const waiting = queue.put(3);
  assert.equal(await queue.get(), 1);
  await waiting;
  assert.deepEqual([await queue.get(), await queue.get()], [2, 3]);
  assert.equal(queue.empty(), true);
});

Deno.test("Queue.get() rejects with signal.reason when aborted, and with TimeoutError on timeout", async () => {
  const queue = new Queue<number>();
  const controller = new AbortController();
  const waiting = queue.get({ signal: controller.signal });
  controller.abort(new Error("stop"));
  await assert.rejects(waiting, /stop/);
  await assert.rejects(
    queue.get({ timeout: 10 }),
    (error: DOMException) => error.name === "TimeoutError",
  );
  await assert.rejects(queue.get({ timeout: -1 }), RangeError);
  assert.deepEqual(queue.tryGet(), { ok: false });
  await queue.put(5);
  assert.deepEqual(queue.tryGet(), { ok: true, value: 5 });
});

Deno.test("Queue.close() wakes a waiting consumer after draining, and put() then throws QueueClosedError", async () => {
  const queue = new Queue<number>();
  await queue.put(1);
  await using remote = await Remote.start();
  queue.close();
  assert.equal(queue.closed, true);
  await assert.rejects(queue.put(2), QueueClosedError);
  assert.equal(await remote.call("getOne", { queue }), 1);
  await assert.rejects(
    remote.call("getOne", { queue }),
    /QueueClosedError|closed/,
  );
  await assert.rejects(queue.get(), QueueClosedError);
  const items: number[] = [];
  for await (const item of queue) items.push(item);
  assert.deepEqual(items, []);
});

Deno.test("Queue.readable and Queue.writable move items as Web Streams with backpressure", async () => {
  const source = new Queue<number>({ maxsize: 4 });
  const sink = new Queue<number>();
  const piping = source.readable.pipeTo(sink.writable);
  for (let i = 0; i < 20; i++) await source.put(i);
  source.close();
  await piping;
  assert.equal(sink.closed, true);
  const items: number[] = [];
  for await (const item of sink) items.push(item);
  assert.deepEqual(items, Array.from({ length: 20 }, (_, i) => i));
});

Deno.test("Queue survives a consumer Worker terminated in the middle of get()", async () => {
  const queue = new Queue<unknown>({ bufferSize: 1024 });
  const ring = ringOf.get(queue)!;
  const remote = await Remote.start();
  const big = encode(new Uint8Array(100_000));
  const writer = new Writer(ring, big, big.length);
  try {
    const lost = remote.call("getOne", { queue }).catch(() => "terminated");
    assert.notEqual(writer.step(), DONE);
    await eventually(
      () => Atomics.load(ring.h, RLOCK) === remote.agentId && !ring.readable,
      "the worker to hold the read lock mid-message",
    );
    remote.terminate();
    assert.equal(await lost, "terminated");
  } finally {
    remote.terminate();
  }
  const next = queue.get({ timeout: 20_000 });
  await runAsync(ring, writer, "put");
  await queue.put("after");
  assert.equal(await next, "after");
  assert.equal(queue.qsize(), 0);
});

Deno.test("Queue survives a producer Worker terminated in the middle of put()", async () => {
  const queue = new Queue<unknown>({ bufferSize: 1024 });
  const ring = ringOf.get(queue)!;
  const remote = await Remote.start();
  try {
    const lost = remote.call("putOne", {
      queue,
      item: new Uint8Array(100_000),
    }).catch(() => "terminated");
    await eventually(
      () =>
        Atomics.load(ring.h, WLOCK) === remote.agentId &&
        Atomics.load(ring.h, WSTATE) === 1,
      "the worker to hold the write lock mid-message",
    );
    remote.terminate();
    assert.equal(await lost, "terminated");
  } finally {
    remote.terminate();
  }
  const next = queue.get({ timeout: 20_000 });
  await queue.put("next", { timeout: 20_000 });
  assert.equal(await next, "next");
  assert.equal(queue.qsize(), 0);
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

Deno.test("Queue, JoinableQueue and SimpleQueue load whichever ipc/ file a thread imports first", async () => {
  const firsts = [
    "../../ipc/queue.ts",
    "../../ipc/joinable_queue.ts",
    "../../ipc/simple_queue.ts",
    "../../ipc/connection.ts",
    "../../ipc/_codec.ts",
    "../../ipc/_transfer.ts",
  ];
  for (const first of firsts) {
    const worker = new Worker(
      new URL("../fixtures/ipc_entry.ts", import.meta.url),
      { type: "module" },
    );
    try {
      const answer = new Promise((resolve) => {
        worker.onmessage = (event) => resolve(event.data);
      });
      worker.postMessage({ first });
      assert.deepEqual(await answer, [
        "ipc.Queue",
        "ipc.JoinableQueue",
        "ipc.SimpleQueue",
      ], first);
    } finally {
      worker.terminate();
    }
  }
});

Deno.test("Queue carries a Manager proxy (a shared object without shared memory) and it works on the other side", async () => {
  const { Manager } = await import("../../ipc/mod.ts");
  await using manager = await Manager.start({ backend: "inline" });
  const dict = await manager.dict<string, number>();
  await dict.set("a", 1);
  const queue = new Queue<unknown>();
  try {
    await queue.put({ nested: [dict] });
    const got = await queue.get() as { nested: [typeof dict] };
    const back = got.nested[0];
    assert.notEqual(back, dict);
    assert.equal(await back.get("a"), 1);
    await back.set("b", 2);
    assert.equal(await dict.get("b"), 2);
  } finally {
    queue.close();
  }
});
