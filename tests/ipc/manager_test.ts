// Manager: its proxies and their data, across Workers and OS processes,
// per backend. Failures (crashes, kills, bad peers) are in
// manager_failure_test.ts.
import assert from "node:assert/strict";
import { Manager, type ManagerBackend } from "../../ipc/manager.ts";
import { DictProxy } from "../../ipc/dict_proxy.ts";
import type { ListProxy } from "../../ipc/list_proxy.ts";
import { encode } from "../../ipc/_codec.ts";
import { fromTransferable, toTransferable } from "../../ipc/_transfer.ts";
import { makeCounter } from "../fixtures/ipc_manager_types.ts";
import { clientProcess, hex, inWorker, tcpArgs } from "./_manager_clients.ts";

const BACKENDS: ManagerBackend[] = ["worker", "subprocess", "inline"];
const TYPES = new URL("../fixtures/ipc_manager_types.ts", import.meta.url);

for (const backend of BACKENDS) {
  Deno.test(`Manager (${backend}) dict keeps 1, "1" and 0.25 apart`, async () => {
    await using manager = await Manager.start({ backend });
    const d = await manager.dict<unknown, unknown>();
    await d.set(1, "1");
    await d.set("1", "one");
    await d.set(0.25, null);
    await d.set(2n, true);
    assert.equal(await d.size(), 4);
    assert.equal(await d.get(1), "1");
    assert.equal(await d.get("1"), "one");
    assert.equal(await d.has("0.25"), false);
    assert.deepEqual(await d.keys(), [1, "1", 0.25, 2n]);
    assert.equal(await d.pop("1"), "one");
    assert.equal(await d.pop("missing", "fallback"), "fallback");
    assert.equal(await d.setdefault("k", 5), 5);
    await d.update([["a", 1], ["b", 2]]);
    assert.deepEqual(
      await d.toMap(),
      new Map<unknown, unknown>([
        [1, "1"],
        [0.25, null],
        [2n, true],
        [
          "k",
          5,
        ],
        ["a", 1],
        ["b", 2],
      ]),
    );
    await assert.rejects(d.set({ tuple: 1 }, 1), TypeError);
  });

  Deno.test(`Manager (${backend}) list, namespace, value, array and queue`, async () => {
    await using manager = await Manager.start({ backend });
    const l = await manager.list([3, 1, 2]);
    await l.sort();
    assert.deepEqual(await l.toArray(), [1, 2, 3]);
    await l.insert(0, 0);
    assert.equal(await l.pop(), 3);
    await l.remove(1);
    assert.deepEqual(await l.toArray(), [0, 2]);
    await assert.rejects(l.get(5), RangeError);
    await assert.rejects(l.remove(9), RangeError);
    const ns = await manager.namespace<{ x: number }>();
    await ns.set("x", 1);
    assert.deepEqual(await ns.toObject(), { x: 1 });
    const v = await manager.value("a");
    await v.set("b");
    assert.equal(await v.get(), "b");
    const a = await manager.array([1, 2]);
    await a.set(-1, 5);
    assert.deepEqual(await a.toArray(), [1, 5]);
    const q = await manager.queue<number>({ maxsize: 2 });
    await q.put(1);
    await q.put(2);
    assert.equal(await q.full(), true);
    await assert.rejects(q.put(3, { timeout: 0 }), { name: "TimeoutError" });
    const late = q.put(3);
    assert.equal(await q.get(), 1);
    await late;
    assert.deepEqual([await q.get(), await q.get()], [2, 3]);
    await assert.rejects(manager.queue({ maxsize: -1 }), RangeError);
  });
}

Deno.test("Manager: 10 Workers, one after another, each set dic[i] = 101", async () => {
  await using manager = await Manager.start();
  const dict = await manager.dict<number, number>();
  for (let i = 0; i < 10; i++) {
    assert.deepEqual(await inWorker({ job: "setIndex", dict, i }), {
      ok: true,
    });
  }
  assert.deepEqual(
    await dict.entries(),
    Array.from({ length: 10 }, (_, i) => [i, 101]),
  );
});

Deno.test("Manager: a child sets d[1], d['2'], d[0.25] and reverses a list", async () => {
  await using manager = await Manager.start();
  const dict = await manager.dict<unknown, unknown>();
  const list = await manager.list<number>(
    Array.from({ length: 10 }, (_, i) => i),
  );
  assert.deepEqual(await inWorker({ job: "classic", dict, list }), {
    ok: true,
  });
  assert.deepEqual(await dict.entries(), [[1, "1"], ["2", 2], [0.25, null]]);
  assert.deepEqual(await list.toArray(), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
});

Deno.test("Manager: a proxy stored in a dict comes back as a proxy", async () => {
  await using manager = await Manager.start();
  const outer = await manager.dict<string, ListProxy<number>>();
  const inner = await manager.list<number>([1]);
  await outer.set("inner", inner);
  const back = (await outer.get("inner"))!;
  await back.append(2);
  assert.deepEqual(await inner.toArray(), [1, 2]);
  // A plain nested value is a copy: changing it changes nothing remote.
  const plain = await manager.dict<string, number[]>([["xs", [1]]]);
  (await plain.get("xs"))!.push(2);
  assert.deepEqual(await plain.get("xs"), [1]);
});

Deno.test("Manager: a proxy crosses into another OS process as bytes", async () => {
  await using manager = await Manager.start();
  const dict = await manager.dict<string, string>();
  const bytes = encode(toTransferable({ dict }, { crossProcess: true }));
  const out = await clientProcess(["proxies", "-", "0", "00", hex(bytes)])
    .output();
  assert.equal(out.code, 0);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)), {
    ok: true,
    size: 1,
  });
  assert.equal(await dict.get("from"), "subprocess");
});

Deno.test("Manager: two OS processes over TCP mutate one dict with exact results", async () => {
  await using manager = await Manager.start();
  const rounds = 100;
  const children = [0, 1].map(() =>
    clientProcess(["increment", ...tcpArgs(manager), String(rounds)])
  );
  const outputs = await Promise.all(children.map((c) => c.output()));
  for (const out of outputs) assert.equal(out.code, 0);
  const dict = await manager.dict<string, number>(undefined, {
    name: "counts",
  });
  assert.equal(await dict.get("total"), 2 * rounds);
  assert.equal(await dict.size(), 1 + 2 * rounds);
});

Deno.test("Manager locks, semaphores, events and conditions", async () => {
  await using manager = await Manager.start();
  const rlock = await manager.rlock();
  await rlock.acquire();
  await rlock.acquire();
  await rlock.release();
  assert.equal(await rlock.locked(), true);
  await rlock.release();
  assert.equal(await rlock.locked(), false);
  await assert.rejects(rlock.release(), RangeError);
  const sem = await manager.boundedSemaphore(2);
  const g1 = await sem.acquire();
  await sem.acquire();
  assert.equal(await sem.tryAcquire(), undefined);
  await g1.release();
  await g1.release(); // once only
  assert.equal(await sem.value(), 1);
  const event = await manager.event();
  await assert.rejects(event.wait({ timeout: 10 }), { name: "TimeoutError" });
  const waiting = event.wait();
  await event.set();
  await waiting;
  const cond = await manager.condition();
  await assert.rejects(cond.notify(), RangeError);
  {
    await using _held = await cond.acquire();
    await assert.rejects(cond.wait({ timeout: 5 }), { name: "TimeoutError" });
    await cond.notifyAll(); // still held after the timed-out wait
  }
  const jq = await manager.joinableQueue<number>();
  await jq.put(1);
  await jq.get();
  await jq.taskDone();
  await jq.join();
  await assert.rejects(jq.taskDone(), RangeError);
});

Deno.test("Manager.register() runs a factory from a module, only exposed methods", async () => {
  await using manager = await Manager.start();
  await manager.register("Counter", makeCounter, {
    module: TYPES,
    exposed: ["increment", "value"],
  });
  const counter = await manager.create<ReturnType<typeof makeCounter>>(
    "Counter",
  );
  assert.equal(await counter.increment(), 1);
  assert.equal(await counter.increment(5), 6);
  await assert.rejects(counter.reset(), {
    name: "TypeError",
    message: "Cannot call Counter.reset() as it is not exposed",
  });
  await assert.rejects(manager.create("Nope"), TypeError);
  const twin = () => new Map();
  await assert.rejects(
    manager.register("Twin", twin, { module: TYPES }),
    TypeError,
  );
});

Deno.test("DictProxy revives from its description and reconnects", async () => {
  await using manager = await Manager.start({ backend: "inline" });
  const dict = await manager.dict<string, number>();
  await dict.set("a", 1);
  const copy = fromTransferable(
    structuredClone(toTransferable(dict)),
  ) as DictProxy<string, number>;
  assert.ok(copy instanceof DictProxy);
  assert.equal(await copy.get("a"), 1);
});

Deno.test("Manager in this process: values larger than the shared-memory lane stream through", async () => {
  await using manager = await Manager.start();
  const dict = await manager.dict<string, Uint8Array>();
  const big = new Uint8Array(3 << 20).map((_, i) => (i * 7) & 0xff);
  await dict.set("big", big);
  assert.deepEqual(await dict.get("big"), big);
  const many = await Promise.all(
    Array.from(
      { length: 50 },
      (_, i) => dict.set(`k${i}`, big.subarray(0, i * 1000)),
    ),
  );
  assert.equal(many.length, 50);
  assert.equal(await dict.size(), 51);
});
