import assert from "node:assert/strict";
import { pipe, Queue } from "@mp/multiprocessing/ipc";
import { Pool, Process, type RemoteError } from "@mp/multiprocessing/pool";
import { RawValue, SharedArray, SharedValue } from "@mp/multiprocessing/shared";
import { Condition, Event, Lock } from "@mp/multiprocessing/sync";
import { decode, decodeShared, encode } from "../../ipc/_codec.ts";
import { toTransferable } from "../../ipc/_transfer.ts";
import { test } from "../_leak_check.ts";
import {
  addToReceived,
  eventsBothWays,
  type Guarded,
  lockedAdds,
  lockedAddsInGrandchild,
  makeGuarded,
  putInto,
  putLockMadeHere,
  queueInQueue,
  shareValueOverPipe,
  takeOne,
} from "../fixtures/ipc_sab_hub_tasks.ts";

const module = new URL("../fixtures/ipc_sab_hub_tasks.ts", import.meta.url);

function start(target: string, args: unknown[]): Promise<Process> {
  const child = new Process({ target, args, module });
  return child.start().then(() => child);
}

async function joinAll(children: Process[]): Promise<void> {
  for (const child of children) assert.equal(await child.join(), 0);
}

test("Queue.put() carries a Lock from main that excludes a second worker (count exact)", async () => {
  const inbox = new Queue<Guarded>(), done = new Queue<string>();
  const lock = new Lock(), counter = new RawValue("i", 0);
  const n = 5_000;
  const children = [
    await start(lockedAdds.name, [inbox, done, n]),
    await start(lockedAdds.name, [inbox, done, n]),
  ];
  try {
    await inbox.put({ lock, counter });
    await inbox.put({ lock, counter });
    assert.equal(await done.get({ timeout: 60_000 }), "done");
    assert.equal(await done.get({ timeout: 60_000 }), "done");
    assert.equal(counter.value, 2 * n);
    assert.equal(lock.locked(), false);
  } finally {
    await joinAll(children);
  }
});

test("Connection.send() carries a SharedValue from one worker to another, both add to it", async () => {
  const [left, right] = pipe();
  const report = new Queue<unknown>();
  const n = 1_000;
  const children = [
    await start(shareValueOverPipe.name, [left, report, n]),
    await start(addToReceived.name, [right, n]),
  ];
  try {
    // The value comes back to main through a Queue: a third thread adds.
    const value = await report.get({ timeout: 60_000 }) as SharedValue<"i">;
    assert.ok(value instanceof SharedValue);
    assert.equal(value.value, 2 * n);
    value.add(1);
    assert.equal(value.value, 2 * n + 1);
  } finally {
    await joinAll(children);
    left.close();
    right.close();
  }
});

test("Queue.put() carries a Queue inside a Queue, both directions", async () => {
  const outer = new Queue<unknown>(), inner = new Queue<string>();
  const child = await start(queueInQueue.name, [outer]);
  try {
    await outer.put(inner);
    assert.equal(await inner.get({ timeout: 60_000 }), "hello");
    const theirs = await outer.get({ timeout: 60_000 }) as Queue<string>;
    assert.ok(theirs instanceof Queue);
    await theirs.put("ping");
    assert.equal(await outer.get({ timeout: 60_000 }), "echo ping");
  } finally {
    await joinAll([child]);
  }
});

test("Queue.put() carries an Event to a worker and another one back", async () => {
  const inbox = new Queue<unknown>(), outbox = new Queue<unknown>();
  const child = await start(eventsBothWays.name, [inbox, outbox]);
  try {
    const mine = new Event();
    await inbox.put(mine);
    const theirs = await outbox.get({ timeout: 60_000 }) as Event;
    assert.ok(theirs instanceof Event);
    assert.equal(theirs.isSet(), false);
    mine.set();
    await theirs.wait({ timeout: 60_000 });
    assert.equal(theirs.isSet(), true);
  } finally {
    await joinAll([child]);
  }
});

test("Queue.put() carries a Lock from one worker to two others (relayed by main)", async () => {
  const inbox = new Queue<Guarded>(), done = new Queue<string>();
  const n = 2_000;
  const children = [
    await start(lockedAdds.name, [inbox, done, n]),
    await start(lockedAdds.name, [inbox, done, n]),
    await start(makeGuarded.name, [inbox, 3]),
  ];
  try {
    assert.equal(await done.get({ timeout: 60_000 }), "done");
    assert.equal(await done.get({ timeout: 60_000 }), "done");
    const { lock, counter } = await inbox.get({ timeout: 60_000 });
    assert.equal(counter.value, 2 * n);
    assert.equal(lock.locked(), false);
  } finally {
    await joinAll(children);
  }
});

test("Queue.put() carries a Lock from main to a grandchild (relayed by its parent worker)", async () => {
  const inbox = new Queue<Guarded>(), done = new Queue<string>();
  const lock = new Lock(), counter = new RawValue("i", 0);
  const n = 2_000;
  const children = [
    await start(lockedAdds.name, [inbox, done, n]),
    await start(lockedAddsInGrandchild.name, [inbox, done, n]),
  ];
  try {
    await inbox.put({ lock, counter });
    await inbox.put({ lock, counter });
    assert.equal(await done.get({ timeout: 60_000 }), "done");
    assert.equal(await done.get({ timeout: 60_000 }), "done");
    assert.equal(counter.value, 2 * n);
  } finally {
    await joinAll(children);
  }
});

test("a raw Worker (not linked to the hub) gets a clear TypeError both ways", async () => {
  const queue = new Queue<unknown>();
  await queue.put({ lock: new Lock() });
  const worker = new Worker(
    new URL("../fixtures/ipc_sab_hub_raw_worker.ts", import.meta.url),
    { type: "module" },
  );
  try {
    const reply = new Promise<string[]>((resolve) => {
      worker.onmessage = (event) => resolve(event.data);
    });
    worker.postMessage(toTransferable(queue));
    const [got, put] = await reply;
    assert.match(got!, /^TypeError: Cannot receive shared memory #\d+/);
    assert.match(got!, /started by Process or Pool/);
    assert.match(
      put!,
      /^TypeError: Cannot send item\.lock\.\S* as it is shared memory/,
    );
    assert.match(put!, /not started by Process or Pool/);
  } finally {
    worker.terminate();
  }
});

test("Pool workers use a Lock and a RawValue that main put on a Queue", async () => {
  await using pool = new Pool({ processes: 2, module });
  const inbox = new Queue<Guarded>(), done = new Queue<string>();
  const lock = new Lock(), counter = new RawValue("i", 0);
  const n = 2_000;
  const runs = [
    pool.apply(lockedAdds, [inbox, done, n]),
    pool.apply(lockedAdds, [inbox, done, n]),
  ];
  await inbox.put({ lock, counter });
  await inbox.put({ lock, counter });
  await Promise.all(runs);
  assert.equal(counter.value, 2 * n);
  assert.deepEqual([await done.get(), await done.get()], ["done", "done"]);
});

test("Queue.getSync() in main receives a Queue from a worker with no event loop turn (main drains its own links)", async () => {
  const outer = new Queue<unknown>(), inner = new Queue<string>();
  const child = await start(queueInQueue.name, [outer]);
  try {
    outer.putSync(inner);
    assert.equal(inner.getSync({ timeout: 60_000 }), "hello");
    // Main blocks: no event loop turn between the worker's put and this.
    const theirs = outer.getSync({ timeout: 60_000 }) as Queue<string>;
    theirs.putSync("sync");
    assert.equal(outer.getSync({ timeout: 60_000 }), "echo sync");
  } finally {
    await joinAll([child]);
  }
});

test("subprocess backend: a shared object into or out of a child is still a clear TypeError", async () => {
  await using pool = new Pool({ processes: 1, module, backend: "subprocess" });
  const queue = new Queue<unknown>();
  await assert.rejects(
    pool.apply(putInto, [queue, new Lock()]),
    (error: unknown) =>
      error instanceof TypeError && /another process/.test(error.message) &&
      /Manager/.test(error.message),
  );
  // A Lock made in the child cannot go into a queue of the parent either.
  await assert.rejects(
    pool.apply(putLockMadeHere, [queue]),
    (error: RemoteError) =>
      error.remoteName === "TypeError" && /Manager/.test(error.message),
  );
  assert.deepEqual(queue.tryGet(), { ok: false });
  // A Lock main put cannot reach the child: its get() says so, the queue
  // goes on.
  await queue.put({ lock: new Lock() });
  assert.match(
    await pool.apply(takeOne, [queue]),
    /^TypeError: .*lock as it is a shared object.*Manager proxy/,
  );
  await queue.put(1);
  assert.equal(await pool.apply(takeOne, [queue]), "got 1");
});

Deno.test("encode() without sabs still refuses shared memory; decode() refuses hub ids", () => {
  assert.throws(
    () => encode({ lock: new Lock() }, "item"),
    /Cannot send item\.lock as it is a shared object.*Manager proxy/,
  );
  assert.throws(
    () => encode(new Int32Array(new SharedArrayBuffer(8))),
    /view of shared memory/,
  );
  const bytes = encode({ lock: new Lock() }, "item", true);
  assert.throws(() => decode(bytes), /shared memory id in bytes from outside/);
});

Deno.test("encode() with sabs: a Lock, a bare SharedArrayBuffer and a view come back over the same memory", () => {
  const sab = new SharedArrayBuffer(16);
  const lock = new Lock();
  const view = new Int32Array(sab, 4, 2);
  const value = { lock, sab, view, again: sab };
  const bytes = encode(value, "item", true);
  const back = decodeShared(bytes, 0, bytes.length) as typeof value;
  assert.equal(back.sab, sab); // the same agent: the very buffer
  assert.equal(back.again, back.sab);
  assert.ok(back.view instanceof Int32Array);
  assert.equal(back.view.byteOffset, 4);
  assert.equal(back.view.length, 2);
  back.view[0] = 7;
  assert.equal(new Int32Array(sab)[1], 7);
  assert.ok(back.lock instanceof Lock);
  assert.notEqual(back.lock, lock);
  using _ = back.lock.tryAcquire();
  assert.equal(lock.locked(), true);
});

Deno.test("Queue.put() carries a pipe end, a SharedArray and a Condition over the same memory", async () => {
  const [a, b] = pipe<string>();
  const array = new SharedArray("d", [1.5, 2.5]);
  const condition = new Condition(new Lock());
  const queue = new Queue<unknown>();
  try {
    await queue.put({ b, array, condition });
    const back = await queue.get() as {
      b: typeof b;
      array: SharedArray<"d">;
      condition: Condition;
    };
    await a.send("through");
    assert.equal(await back.b.recv(), "through");
    back.array.set(1, 9);
    assert.equal(array.get(1), 9);
    using _ = await back.condition.acquire();
    assert.equal(condition.tryAcquire(), undefined);
  } finally {
    a.close();
    b.close();
  }
});
