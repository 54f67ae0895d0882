import assert from "node:assert/strict";
import { describe, revive } from "../../sync/_shareable.ts";
import { blockTable } from "../../shared/_block_table.ts";
import { SharedMemory } from "../../shared/shared_memory.ts";
import { spawn, within } from "./_spawn.ts";

Deno.test("SharedMemory.attach(): two Workers attach the same named block and see each other's writes", async () => {
  using shm = SharedMemory.create({ name: "meeting-point", size: 64 });
  const children = [
    spawn("shared_memory_worker"),
    spawn("shared_memory_worker"),
  ];
  try {
    children.forEach((child, me) =>
      child.worker.postMessage({
        op: "meet",
        table: blockTable(),
        name: "meeting-point",
        me,
        other: 1 - me,
      })
    );
    for (const child of children) {
      assert.deepEqual(await within(child.next()), [1, 2]);
    }
    assert.deepEqual([...shm.array("i", 0, 2)], [1, 2]);
  } finally {
    for (const child of children) child.terminate();
    shm.unlink();
  }
});

Deno.test("SharedMemory crosses into a Worker as a value, and the Worker then attaches other names", async () => {
  using first = SharedMemory.create({ size: 8 });
  using second = SharedMemory.create({ name: "second-block", size: 8 });
  first.buffer[0] = 11;
  second.buffer[0] = 22;
  const child = spawn("shared_memory_worker");
  try {
    child.worker.postMessage({
      op: "revive",
      shm: first[describe]().data,
      name: "second-block",
    });
    assert.deepEqual(await within(child.next()), [11, 22]);
  } finally {
    child.terminate();
    first.unlink();
    second.unlink();
  }
});

Deno.test("SharedMemory.create() rejects a name in use, bad sizes and bad names", () => {
  using shm = SharedMemory.create({ name: "taken", size: 8 });
  try {
    assert.throws(
      () => SharedMemory.create({ name: "taken", size: 8 }),
      (error: unknown) =>
        error instanceof Deno.errors.AlreadyExists &&
        /"taken" already exists/.test(error.message),
    );
    for (const size of [0, -1, 1.5, NaN]) {
      assert.throws(
        () => SharedMemory.create({ size }),
        RangeError,
        String(size),
      );
    }
    assert.throws(() => SharedMemory.create({ size: "8" as never }), TypeError);
    assert.throws(() => SharedMemory.create(undefined as never), TypeError);
    assert.throws(() => SharedMemory.create({ name: "", size: 8 }), RangeError);
    assert.throws(
      () => SharedMemory.create({ name: "x".repeat(89), size: 8 }),
      RangeError,
    );
    assert.throws(
      () => SharedMemory.create({ name: 5 as never, size: 8 }),
      TypeError,
    );
    assert.throws(
      () => new SharedMemory(Symbol() as never, 0 as never, 0 as never),
      TypeError,
    );
  } finally {
    shm.unlink();
  }
});

Deno.test("SharedMemory.attach() to an unknown name is a NotFound error that says what to do", () => {
  assert.throws(
    () => SharedMemory.attach("never-made"),
    (error: unknown) =>
      error instanceof Deno.errors.NotFound &&
      /no block is named "never-made"/.test(error.message),
  );
});

Deno.test("SharedMemory names are unique; a name is free again after unlink()", () => {
  const names = new Set<string>();
  const blocks = Array.from(
    { length: 50 },
    () => SharedMemory.create({ size: 1 }),
  );
  for (const block of blocks) names.add(block.name);
  assert.equal(names.size, 50);
  for (const block of blocks) {
    block.unlink();
    block.close();
  }
  using a = SharedMemory.create({ name: "reused", size: 4 });
  a.unlink();
  using b = SharedMemory.create({ name: "reused", size: 4 });
  assert.notEqual(a, b);
  b.unlink();
});

Deno.test("SharedMemory memory is reused only after unlink() and every close()", () => {
  const a = SharedMemory.create({ size: 64 });
  const b = SharedMemory.attach(a.name);
  a.buffer.fill(7);
  a.unlink();
  a.close();
  const offset = b.buffer.byteOffset;
  const c = SharedMemory.create({ size: 64 });
  assert.notEqual(c.buffer.byteOffset, offset); // b is still open
  assert.equal(b.buffer[0], 7);
  b.close();
  const d = SharedMemory.create({ size: 64 });
  assert.equal(d.buffer.byteOffset, offset);
  assert.ok(d.buffer.every((byte) => byte === 0), "reused memory is zeroed");
  for (const shm of [c, d]) {
    shm.unlink();
    shm.close();
  }
});

Deno.test("SharedMemory handles: close() is idempotent; a closed handle cannot be used or sent", () => {
  const shm = SharedMemory.create({ size: 8 });
  shm.unlink();
  shm.close();
  shm.close();
  assert.equal(shm.closed, true);
  assert.throws(() => shm.buffer, /handle is closed/);
  assert.throws(() => shm[describe](), TypeError);
});

Deno.test("SharedMemory revive of a block freed meanwhile is a NotFound error", () => {
  const shm = SharedMemory.create({ size: 8 });
  const data = structuredClone(shm[describe]().data);
  shm.unlink();
  shm.close();
  assert.throws(() => SharedMemory[revive](data), Deno.errors.NotFound);
});

Deno.test("SharedMemory.array() lays typed arrays into the block, checked", () => {
  using shm = SharedMemory.create({ size: 24 });
  try {
    const words = shm.array("i", 8);
    assert.equal(words.length, 4);
    words.set(0, -1);
    assert.deepEqual([...shm.buffer.subarray(8, 12)], [255, 255, 255, 255]);
    assert.equal(shm.array("q").length, 3);
    assert.throws(() => shm.array("d", 4), RangeError); // misaligned
    assert.throws(() => shm.array("d", 8, 3), RangeError); // does not fit
    assert.throws(() => shm.array("zz" as never), TypeError);
  } finally {
    shm.unlink();
  }
});
