import assert from "node:assert/strict";
import { Manager, type ManagerBackend } from "../../ipc/manager.ts";
import { ManagerClient } from "../../ipc/manager_client.ts";
import { Process } from "../../pool/process.ts";
import { holdAndWait } from "../fixtures/ipc_manager_tasks.ts";
import { AuthenticationError } from "../../ipc/_auth.ts";
import { ConnectionClosedError } from "../../ipc/connection.ts";
import { DictProxy } from "../../ipc/dict_proxy.ts";
import type { ListProxy } from "../../ipc/list_proxy.ts";
import { encode } from "../../ipc/_codec.ts";
import { fromTransferable, toTransferable } from "../../ipc/_transfer.ts";
import { checkSocketOptions, dialSocket } from "../../ipc/_socket_endpoint.ts";
import { encodeHeader } from "../../ipc/_wire.ts";
import {
  type Bomb,
  makeBomb,
  makeCounter,
} from "../fixtures/ipc_manager_types.ts";

const BACKENDS: ManagerBackend[] = ["worker", "subprocess", "inline"];
const WORKER = new URL("../fixtures/ipc_manager_worker.ts", import.meta.url);
const CLIENT = new URL("../fixtures/ipc_manager_client.ts", import.meta.url);
const TYPES = new URL("../fixtures/ipc_manager_types.ts", import.meta.url);
const OWNER = new URL("../fixtures/ipc_manager_owner.ts", import.meta.url);
const TASKS = new URL("../fixtures/ipc_manager_tasks.ts", import.meta.url);

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Runs one job in a fresh Worker and waits for its answer. */
async function inWorker(message: unknown): Promise<Record<string, unknown>> {
  const worker = new Worker(WORKER, { type: "module" });
  try {
    return await new Promise((resolve, reject) => {
      worker.onmessage = (e) => resolve(fromTransferable(e.data) as never);
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(e.message));
      };
      worker.postMessage(toTransferable(message));
    });
  } finally {
    worker.terminate();
  }
}

/**
 * Starts a Worker on one job and hands back its messages in order: the
 * first and second message it posts, as promises.
 */
function workerJob(message: unknown): {
  worker: Worker;
  first: Promise<Record<string, unknown>>;
  second: Promise<Record<string, unknown>>;
} {
  const worker = new Worker(WORKER, { type: "module" });
  const waiting: ((value: Record<string, unknown>) => void)[] = [];
  const [first, second] = [0, 1].map(() =>
    new Promise<Record<string, unknown>>((resolve) => waiting.push(resolve))
  ) as [Promise<Record<string, unknown>>, Promise<Record<string, unknown>>];
  worker.onmessage = (e) =>
    waiting.shift()?.(fromTransferable(e.data) as never);
  worker.postMessage(toTransferable(message));
  return { worker, first, second };
}

/** Runs the client fixture as its own OS process. */
function clientProcess(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-read", CLIENT.href, ...args],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
}

function tcpArgs(manager: Manager): string[] {
  const address = manager.address as { hostname: string; port: number };
  return [address.hostname, String(address.port), hex(manager.authkey!)];
}

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

Deno.test("Manager: a client killed while holding a lock releases it", async () => {
  await using manager = await Manager.start();
  const child = clientProcess(["holdAndHang", ...tcpArgs(manager)]);
  const reader = child.stdout.getReader();
  const first = await reader.read();
  assert.match(new TextDecoder().decode(first.value), /"holding":true/);
  reader.releaseLock();
  const lock = await manager.lock({ name: "held" });
  assert.equal(await lock.locked(), true);
  child.kill("SIGKILL");
  await child.status;
  await child.stdout.cancel();
  await using _guard = await lock.acquire({ timeout: 30_000 });
  const queue = await manager.queue<number>({ name: "never" });
  await queue.put(1); // the dead client's get() was cancelled, not served
  assert.equal(await queue.get({ timeout: 30_000 }), 1);
});

Deno.test("Manager.connect() with a wrong authkey fails, and the server keeps serving", async () => {
  await using manager = await Manager.start();
  await assert.rejects(
    Manager.connect({ address: manager.address, authkey: "wrong" }),
    AuthenticationError,
  );
  await assert.rejects(
    Manager.connect({ address: manager.address }),
    AuthenticationError,
  );
  await using other = await Manager.connect({
    address: manager.address,
    authkey: manager.authkey!,
  });
  const d = await other.dict<string, number>(undefined, { name: "x" });
  await d.set("a", 1);
  assert.equal(
    await (await manager.dict<string, number>(undefined, { name: "x" })).get(
      "a",
    ),
    1,
  );
});

Deno.test("Manager server survives random garbage frames and keeps serving", async () => {
  await using manager = await Manager.start();
  const address = manager.address as { hostname: string; port: number };
  const good = await manager.dict<number, number>();
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const bytes = (n: number) =>
    Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
  for (let round = 0; round < 40; round++) {
    const conn = await Deno.connect(address);
    try {
      const kind = round % 4;
      if (kind === 0) await conn.write(bytes(1 + Math.floor(random() * 300)));
      else if (kind === 1) await conn.write(encodeHeader(17, 0xffff_fff0));
      else if (kind === 2) {
        await conn.write(encodeHeader(16, 10));
        await conn.write(bytes(3)); // truncated, then closed
      } else {
        // Authenticated, then garbage data frames.
        conn.close();
        const checked = checkSocketOptions({
          address,
          authkey: manager.authkey!,
        }, "connect");
        const transport = await dialSocket(checked);
        try {
          await transport.send(
            32 + (round % 3),
            bytes(Math.floor(random() * 64)),
          );
          await transport.recv().catch(() => null);
        } finally {
          transport.close();
        }
      }
    } catch {
      // the server may close on us: that is fine
    }
    try {
      conn.close();
    } catch {
      // already closed
    }
    await good.set(round, round);
  }
  assert.equal(await good.size(), 40);
});

Deno.test("Manager (subprocess): shutdown rejects pending calls with ConnectionClosedError", async () => {
  const manager = await Manager.start({ backend: "subprocess" });
  const queue = await manager.queue<number>();
  const pending = assert.rejects(queue.get(), ConnectionClosedError);
  await new Promise((r) => setTimeout(r, 50));
  await manager.shutdown();
  await pending;
  await assert.rejects(queue.qsize(), ConnectionClosedError);
});

Deno.test("Manager: an aborted wait rejects with the reason and frees the server's waiter", async () => {
  await using manager = await Manager.start();
  const queue = await manager.queue<string>();
  const controller = new AbortController();
  const waiting = queue.get({ signal: controller.signal });
  controller.abort(new Error("stop"));
  await assert.rejects(waiting, { message: "stop" });
  await queue.put("x");
  assert.equal(await queue.get(), "x");
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

Deno.test("Manager in this process: a wrong authkey is refused on the shared-memory lane too", async () => {
  await using manager = await Manager.start();
  const proxy = await manager.dict();
  const { local } = (toTransferable(proxy) as {
    value: { data: { local: string } };
  }).value.data;
  assert.match(local, new RegExp(`^${Deno.pid}:`));
  const wrong = new ManagerClient(
    manager.address,
    new Uint8Array([1, 2, 3]),
    local,
  );
  await assert.rejects(wrong.dict(), AuthenticationError);
  wrong.close();
});

Deno.test("Manager (subprocess): the server stops when its owner is killed", async () => {
  const owner = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", OWNER.href],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = owner.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const address = JSON.parse(text) as { hostname: string; port: number };
  (await Deno.connect(address)).close(); // the server answers
  owner.kill("SIGKILL");
  await owner.status;
  await owner.stdout.cancel();
  const deadline = Date.now() + 30_000;
  let refused = false;
  while (!refused && Date.now() < deadline) {
    try {
      (await Deno.connect(address)).close();
      await new Promise((r) => setTimeout(r, 50));
    } catch {
      refused = true;
    }
  }
  assert.ok(refused, "the orphaned server still accepts connections");
});

Deno.test("Manager in this process: shutdown rejects a Worker's call pending on the lane", async () => {
  const manager = await Manager.start();
  const queue = await manager.queue<number>();
  const reply = inWorker({ job: "get", queue });
  await new Promise((r) => setTimeout(r, 200));
  await manager.shutdown();
  const { ok, error } = await reply as { ok: boolean; error: Error };
  assert.equal(ok, false);
  assert.ok(error instanceof ConnectionClosedError, String(error));
});

for (const how of ["crashes", "exits"] as const) {
  Deno.test(`Manager (worker): a server Worker that ${how} rejects lane calls in flight here and in a Worker, and later calls at once`, async () => {
    const manager = await Manager.start();
    let job: ReturnType<typeof workerJob> | undefined;
    try {
      await manager.register("Bomb", makeBomb, { module: TYPES });
      const bomb = await manager.create<Bomb>("Bomb");
      const queue = await manager.queue<number>();
      const dict = await manager.dict<string, number>();
      job = workerJob({ job: "readyThenGet", queue });
      assert.deepEqual(await job.first, { ready: true });
      const here = assert.rejects(queue.get(), ConnectionClosedError);
      if (how === "crashes") await bomb.explode();
      else await assert.rejects(bomb.exit(), ConnectionClosedError);
      await here;
      const { ok, error } = await job.second as { ok: boolean; error: Error };
      assert.equal(ok, false);
      assert.ok(error instanceof ConnectionClosedError, String(error));
      await assert.rejects(dict.get("a"), ConnectionClosedError);
      await assert.rejects(queue.qsize(), ConnectionClosedError);
    } finally {
      job?.worker.terminate();
      await manager.shutdown();
    }
  });
}

Deno.test("Manager in this process: a Worker client terminated while holding a lock on the lane releases it", async () => {
  await using manager = await Manager.start();
  const lock = await manager.lock();
  const said = await manager.queue<string>();
  const never = await manager.queue<number>();
  const child = new Process({
    target: holdAndWait,
    args: [lock, said, never],
    module: TASKS,
  });
  await child.start();
  try {
    assert.equal(await said.get({ timeout: 30_000 }), "holding");
    assert.equal(await lock.locked(), true);
    child.terminate();
    await child.join();
    await using _held = await lock.acquire({ timeout: 30_000 });
    await never.put(1); // the dead client's get() was cancelled, not served
    assert.equal(await never.get({ timeout: 30_000 }), 1);
  } finally {
    if (child.isAlive) child.kill();
  }
});

Deno.test("Manager: a server Worker that crashes rejects a call pending over TCP from another process", async () => {
  const manager = await Manager.start();
  const child = clientProcess(["getUntilClosed", ...tcpArgs(manager)]);
  try {
    await manager.register("Bomb", makeBomb, { module: TYPES });
    const bomb = await manager.create<Bomb>("Bomb");
    const lines = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) break;
      text += value;
    }
    assert.deepEqual(JSON.parse(text), { waiting: true });
    await bomb.explode();
    while (true) {
      const { value, done } = await lines.read();
      if (done) break;
      text += value;
    }
    assert.deepEqual(JSON.parse(text.split("\n")[1]!), {
      pending: "ConnectionClosedError",
      later: "ConnectionClosedError",
    });
    assert.equal((await child.status).code, 0);
  } finally {
    if ((await Promise.race([child.status, null])) === null) {
      child.kill("SIGKILL");
      await child.status;
    }
    await manager.shutdown();
  }
});

Deno.test("Manager (worker): a wedged server Worker that shutdown() terminates rejects lane calls in flight here and in a Worker", async () => {
  // The server is busy in a loop, so only the thread that started it can
  // mark it gone: shutdown() does when the server misses its grace period.
  const manager = await Manager.start();
  let job: ReturnType<typeof workerJob> | undefined;
  try {
    await manager.register("Bomb", makeBomb, { module: TYPES });
    const bomb = await manager.create<Bomb>("Bomb");
    const queue = await manager.queue<number>();
    job = workerJob({ job: "readyThenGet", queue });
    assert.deepEqual(await job.first, { ready: true });
    const hung = assert.rejects(bomb.hang(7_000), ConnectionClosedError);
    const here = assert.rejects(queue.get(), ConnectionClosedError);
    await manager.shutdown();
    await hung;
    await here;
    const { ok, error } = await job.second as { ok: boolean; error: Error };
    assert.equal(ok, false);
    assert.ok(error instanceof ConnectionClosedError, String(error));
  } finally {
    job?.worker.terminate();
    await manager.shutdown();
  }
});

Deno.test("Manager.connect() to a server that hangs up during the handshake rejects with ConnectionClosedError", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { hostname, port } = listener.addr as Deno.NetAddr;
  const hangUp = listener.accept().then((conn) => conn.close());
  try {
    await assert.rejects(
      Manager.connect({ address: { hostname, port }, authkey: "key" }),
      ConnectionClosedError,
    );
  } finally {
    await hangUp;
    listener.close();
  }
});
