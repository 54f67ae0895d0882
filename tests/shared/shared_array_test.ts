import assert from "node:assert/strict";
import { describe, revive } from "../../sync/_shareable.ts";
import { RawArray } from "../../shared/raw_array.ts";
import { SharedArray } from "../../shared/shared_array.ts";
import { Lock } from "../../sync/lock.ts";
import { RLock } from "../../sync/rlock.ts";
import { spawn, within } from "./_spawn.ts";

Deno.test("SharedArray reads and writes by index, negative from the end", () => {
  const a = new SharedArray("h", [1, 2, 3]);
  assert.equal(a.length, 3);
  assert.equal(a.get(0), 1);
  assert.equal(a.get(-1), 3);
  a.set(-3, 9);
  assert.deepEqual(a.toArray(), [9, 2, 3]);
  assert.ok(a.view instanceof Int16Array);
  assert.equal(a.view[0], 9);
});

Deno.test("SharedArray out-of-range index is a RangeError, never a no-op", () => {
  const a = new SharedArray("i", 3);
  for (const i of [3, -4, 100]) {
    assert.throws(() => a.get(i), RangeError);
    assert.throws(() => a.set(i, 1), RangeError);
  }
  assert.throws(() => a.get(1.5), TypeError);
  assert.throws(() => a.get("0" as never), TypeError);
  assert.throws(() => a.add(3, 1), RangeError);
  assert.deepEqual(a.toArray(), [0, 0, 0]);
});

Deno.test("SharedArray rejects negative and non-integer lengths", () => {
  assert.throws(() => new SharedArray("i", -1), RangeError);
  assert.throws(() => new SharedArray("i", 2.5), RangeError);
  assert.throws(() => new SharedArray("i", NaN), RangeError);
  assert.throws(() => new SharedArray("i", Infinity), RangeError);
  assert.throws(() => new SharedArray("i", null as never), TypeError);
  assert.throws(() => new SharedArray("i", {} as never), TypeError);
  assert.throws(() => new RawArray("nope" as never, 3), /not one of "b"/);
  assert.equal(new SharedArray("i", 0).length, 0);
});

Deno.test("SharedArray rejects values that do not fit and writes none of them", () => {
  assert.throws(() => new SharedArray("B", [1, 300]), RangeError);
  assert.throws(() => new SharedArray("i", [1, 1.5]), TypeError);
  assert.throws(() => new SharedArray("q", [1n, 2 as never]), TypeError);
  const a = new SharedArray("b", [1, 2, 3]);
  assert.throws(() => a.assign([4, 5, 200]), RangeError);
  assert.deepEqual(a.toArray(), [1, 2, 3]);
  assert.throws(() => a.assign([1, 2], 2), RangeError);
  assert.throws(() => a.fill(128), RangeError);
  a.assign([7, 8], 1);
  assert.deepEqual(a.toArray(), [1, 7, 8]);
});

Deno.test("SharedArray iterates, slices and fills like an Array", () => {
  const a = new SharedArray("d", [0.5, 1.5, 2.5, 3.5]);
  assert.deepEqual([...a], [0.5, 1.5, 2.5, 3.5]);
  assert.deepEqual(a.slice(1, -1), [1.5, 2.5]);
  assert.deepEqual(a.slice(-2), [2.5, 3.5]);
  assert.deepEqual(a.slice(3, 1), []);
  assert.equal(a.fill(9, 2), a);
  assert.deepEqual(a.toArray(), [0.5, 1.5, 9, 9]);
  assert.ok(Array.isArray(a.toArray()));
});

Deno.test("SharedArray atomic operations by index return the old value", () => {
  const a = new SharedArray("I", [1, 2]);
  assert.equal(a.add(1, 3), 2);
  assert.equal(a.sub(1, 1), 5);
  assert.equal(a.or(0, 6), 1);
  assert.equal(a.and(0, 3), 7);
  assert.equal(a.xor(0, 1), 3);
  assert.equal(a.exchange(0, 8), 2);
  assert.equal(a.compareExchange(0, 8, 0), 8);
  assert.equal(a.load(0), 0);
  assert.equal(a.store(1, 77), 77);
  assert.deepEqual(a.toArray(), [0, 77]);
  const big = new SharedArray("l", 2);
  assert.equal(big.add(1, -5n), 0n);
  assert.equal(big.get(1), -5n);
});

Deno.test("SharedArray atomic operations on float, bool and char types throw TypeError", () => {
  for (const type of ["f", "d", "?", "c", "u"] as const) {
    const a = new SharedArray(type, 2) as never as SharedArray<"i">;
    assert.throws(() => a.add(0, 1), TypeError, type);
    assert.throws(() => a.load(0), TypeError, type);
  }
});

Deno.test("SharedArray of bools, bytes and UTF-16 units", () => {
  const flags = new SharedArray("?", [true, false]);
  assert.deepEqual(flags.toArray(), [true, false]);
  assert.equal(flags.view[0], 1);
  const bytes = new SharedArray("c", new Uint8Array([104, 105]));
  assert.deepEqual(bytes.toArray(), ["h", "i"]);
  const text = new SharedArray("c", "hey");
  assert.deepEqual(text.toArray(), ["h", "e", "y"]);
  const wide = new SharedArray("u", "Zoë");
  assert.equal(wide.toArray().join(""), "Zoë");
  assert.throws(() => new SharedArray("c", "€"), RangeError);
});

Deno.test("SharedArray.getObj() is a RawArray over the same memory", () => {
  const a = new SharedArray("i", [1, 2], { lock: false });
  const raw = a.getObj();
  assert.ok(raw instanceof RawArray);
  raw.set(0, 5);
  assert.equal(a.get(0), 5);
  assert.throws(() => a.getLock(), /lock: false/);
});

Deno.test("RawArray and SharedArray revive over the same memory", () => {
  const raw = new RawArray("uint16", [1, 2, 3]);
  const d = raw[describe]();
  assert.equal(d.kind, "shared.RawArray");
  const twin = RawArray[revive](structuredClone(d.data) as never) as RawArray<
    "uint16"
  >;
  twin.set(2, 300);
  assert.equal(raw.get(2), 300);
  assert.equal(twin.type, "uint16");

  const shared = new SharedArray("f", [1, 2], { lock: false });
  const sd = shared[describe]();
  assert.equal(sd.kind, "shared.SharedArray");
  const copy = SharedArray[revive](structuredClone(sd.data) as never);
  assert.ok(copy instanceof SharedArray);
  assert.deepEqual(copy.toArray(), [1, 2]);
});

Deno.test("SharedArray shows its type and values in console.log", () => {
  assert.equal(
    Deno.inspect(new SharedArray("i", [1, 2], { lock: false })),
    'SharedArray("i", [ 1, 2 ])',
  );
});

Deno.test("SharedArray.getLock(): four Workers increment every element under the lock, exactly", async () => {
  const arr = new SharedArray("i", 16);
  const rounds = 500;
  const children = Array.from({ length: 4 }, () => spawn("shared_lock_worker"));
  try {
    for (const child of children) {
      child.worker.postMessage({ arr: arr[describe]().data, rounds });
    }
    for (const child of children) {
      assert.equal(await within(child.next()), "done");
    }
    assert.deepEqual(arr.toArray(), new Array(16).fill(4 * rounds));
  } finally {
    for (const child of children) child.terminate();
  }
});

Deno.test("SharedArray default lock is an RLock shared by every revived copy", () => {
  const arr = new SharedArray("i", 2);
  const lock = arr.getLock();
  assert.ok(lock instanceof RLock);
  assert.equal(arr.getLock(), lock);
  const copy = SharedArray[revive](
    structuredClone(arr[describe]().data),
  ) as SharedArray<"i">;
  using _guard = lock.acquireSync();
  using _again = lock.acquireSync(); // re-entrant
  assert.equal(copy.getLock().locked(), true);
});

Deno.test("SharedArray lock option shares an existing Lock", () => {
  const lock = new Lock();
  const a = new SharedArray("i", 1, { lock });
  const b = new SharedArray("d", 1, { lock });
  assert.equal(a.getLock(), lock);
  assert.equal(b.getLock(), lock);
  const copy = SharedArray[revive](structuredClone(a[describe]().data));
  const revived = copy.getLock();
  assert.ok(revived instanceof Lock);
  using _guard = lock.acquireSync();
  assert.equal(revived.locked(), true);
  assert.throws(
    () => new SharedArray("i", 1, { lock: "yes" as never }),
    /lock must be a boolean, a Lock or an RLock/,
  );
});
