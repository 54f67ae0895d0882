import assert from "node:assert/strict";
import { describe, revive } from "../../sync/_shareable.ts";
import { RawValue } from "../../shared/raw_value.ts";
import { SharedValue } from "../../shared/shared_value.ts";
import { SharedArray } from "../../shared/shared_array.ts";
import { RLock } from "../../sync/rlock.ts";
import { spawn, within } from "./_spawn.ts";

Deno.test("SharedValue and SharedArray: a Worker writes 3.1415927 and negates 0..9; the parent sees it", async () => {
  const num = new SharedValue("d", 0.0);
  const arr = new SharedArray("i", Array.from({ length: 10 }, (_, i) => i));
  const child = spawn("shared_seed_worker");
  try {
    child.worker.postMessage({
      num: num[describe]().data,
      arr: arr[describe]().data,
    });
    assert.equal(await within(child.next()), "done");
    assert.equal(num.value, 3.1415927);
    assert.deepEqual(arr.toArray(), [0, -1, -2, -3, -4, -5, -6, -7, -8, -9]);
  } finally {
    child.terminate();
  }
});

Deno.test("SharedValue<T> holds the JavaScript type of its code", () => {
  const i: SharedValue<"i"> = new SharedValue("i", 7);
  const n: number = i.value;
  const q = new SharedValue("q", 2n ** 62n);
  const big: bigint = q.value;
  const b = new SharedValue("?", true);
  const flag: boolean = b.value;
  const c = new SharedValue("c", "a");
  const u = new SharedValue("u", "é");
  assert.equal(n, 7);
  assert.equal(big, 2n ** 62n);
  assert.equal(flag, true);
  assert.equal(c.value, "a");
  c.value = new Uint8Array([0x62]);
  assert.equal(c.value, "b");
  assert.equal(u.value, "é");
  assert.equal(new SharedValue("float32", 0.5).value, 0.5);
  assert.equal(new SharedValue("Q").value, 0n);
  assert.equal(new SharedValue("?").value, false);
  assert.equal(new SharedValue("c").value, "\0");
});

Deno.test("SharedValue rejects values that do not fit, never wrapping around", () => {
  assert.throws(() => new SharedValue("B", 300), RangeError);
  assert.throws(() => new SharedValue("b", -129), RangeError);
  assert.throws(() => new SharedValue("I", -1), RangeError);
  assert.throws(() => new SharedValue("i", 2 ** 31), RangeError);
  assert.throws(() => new SharedValue("i", 1.5), TypeError);
  assert.throws(() => new SharedValue("i", NaN), TypeError);
  assert.throws(() => new SharedValue("i", "1" as never), TypeError);
  assert.throws(() => new SharedValue("q", 1 as never), TypeError);
  assert.throws(() => new SharedValue("Q", -1n), RangeError);
  assert.throws(() => new SharedValue("q", 2n ** 63n), RangeError);
  assert.throws(() => new SharedValue("d", 1n as never), TypeError);
  assert.throws(() => new SharedValue("f", 1e40), RangeError);
  assert.throws(() => new SharedValue("?", 1 as never), TypeError);
  assert.throws(() => new SharedValue("c", "ab"), RangeError);
  assert.throws(() => new SharedValue("c", "€"), RangeError);
  assert.throws(() => new SharedValue("u", "😀"), RangeError);
  const v = new SharedValue("B", 7);
  assert.throws(
    () => (v.value = 256),
    /needs an integer from 0 to 255: received 256/,
  );
  assert.equal(v.value, 7);
});

Deno.test("SharedValue atomic operations return the old value", () => {
  const v = new SharedValue("i", 10);
  assert.equal(v.add(5), 10);
  assert.equal(v.sub(3), 15);
  assert.equal(v.and(0b1000), 12);
  assert.equal(v.or(0b0011), 8);
  assert.equal(v.xor(0b0001), 11);
  assert.equal(v.exchange(42), 10);
  assert.equal(v.compareExchange(41, 0), 42);
  assert.equal(v.value, 42);
  assert.equal(v.compareExchange(42, 1), 42);
  assert.equal(v.load(), 1);
  assert.equal(v.store(9), 9);
  assert.equal(v.value, 9);
  const q = new SharedValue("Q", 1n);
  assert.equal(q.add(2n), 1n);
  assert.equal(q.value, 3n);
  assert.throws(() => q.add(1 as never), TypeError);
  assert.throws(() => new SharedValue("B").add(256), RangeError);
});

Deno.test("SharedValue atomic operations on a float type throw TypeError", () => {
  const d = new SharedValue("d", 1.5);
  for (
    const op of ["add", "sub", "and", "or", "xor", "exchange", "store"] as const
  ) {
    assert.throws(() => (d as never as SharedValue<"i">)[op](1), TypeError, op);
  }
  assert.throws(() => (d as never as SharedValue<"i">).load(), TypeError);
  assert.throws(
    () => (d as never as SharedValue<"i">).compareExchange(1, 2),
    /atomic operations need an integer type: received "d"/,
  );
  assert.throws(
    () => (new SharedValue("?") as never as SharedValue<"i">).add(1),
    TypeError,
  );
  assert.equal(d.value, 1.5);
});

Deno.test("SharedValue.getObj() is a RawValue over the same memory", () => {
  const v = new SharedValue("h", 3, { lock: false });
  const raw = v.getObj();
  assert.ok(raw instanceof RawValue);
  assert.equal(raw, v.getObj());
  raw.value = -4;
  assert.equal(v.value, -4);
});

Deno.test("SharedValue with lock: false has no lock", () => {
  const v = new SharedValue("i", 0, { lock: false });
  assert.throws(() => v.getLock(), /created with lock: false/);
  assert.throws(() => new SharedValue("i", 0, { lock: 1 as never }), TypeError);
});

Deno.test("RawValue revives over the same memory", () => {
  const v = new RawValue("l", 5n);
  const { kind, data } = v[describe]();
  assert.equal(kind, "shared.RawValue");
  const twin = RawValue[revive](structuredClone(data) as never) as RawValue<
    "l"
  >;
  twin.value = -8n;
  assert.equal(v.value, -8n);
  assert.equal(twin.type, "l");
});

Deno.test("SharedValue shows its type and value in console.log", () => {
  assert.equal(Deno.inspect(new RawValue("d", 2.5)), 'RawValue("d", 2.5)');
});

Deno.test("SharedValue default lock is an RLock shared by every revived copy", () => {
  const v = new SharedValue("i", 0);
  const lock = v.getLock();
  assert.ok(lock instanceof RLock);
  const copy = SharedValue[revive](structuredClone(v[describe]().data));
  assert.ok(copy instanceof SharedValue);
  using _guard = lock.acquireSync();
  assert.equal(copy.getLock().locked(), true);
});
