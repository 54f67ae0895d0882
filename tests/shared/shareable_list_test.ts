import assert from "node:assert/strict";
import { describe, revive } from "../../sync/_shareable.ts";
import { blockTable } from "../../shared/_block_table.ts";
import { ShareableList } from "../../shared/shareable_list.ts";
import { SharedMemory } from "../../shared/shared_memory.ts";
import { spawn, within } from "./_spawn.ts";

const ALL = ["howdy", new Uint8Array([1, 2, 3]), 42n, 3.5, true, null];

Deno.test("ShareableList round-trips every item type through a Worker that attaches it by name", async () => {
  using list = new ShareableList(ALL, { name: "all-types", maxSize: 24 });
  const child = spawn("shared_memory_worker");
  try {
    child.worker.postMessage({
      op: "list",
      table: blockTable(),
      name: "all-types",
    });
    assert.deepEqual(await within(child.next()), ALL);
    assert.deepEqual(list.toArray(), [
      null,
      "ünïcødé",
      -(2n ** 63n),
      new Uint8Array([9, 8, 7]),
      false,
      -0.25,
    ]);
  } finally {
    child.terminate();
    list.shm.unlink();
  }
});

Deno.test("ShareableList keeps int, float, bool, string, bytes and null apart", () => {
  using list = new ShareableList([
    1,
    1n,
    1.5,
    "1",
    new Uint8Array([1]),
    true,
    null,
    "",
  ]);
  try {
    assert.equal(list.length, 8);
    assert.deepEqual(list.toArray(), [
      1,
      1n,
      1.5,
      "1",
      new Uint8Array([1]),
      true,
      null,
      "",
    ]);
    assert.equal(typeof list.get(1), "bigint");
    assert.equal(list.get(-1), "");
    assert.equal(list.count(1), 1);
    assert.equal(list.index(true), 5);
    assert.equal(list.index(new Uint8Array([1])), 4);
    assert.equal(list.index("missing"), -1);
    assert.deepEqual([...list].length, 8);
    list.set(0, "8 bytes!"); // any type fits a number's 8-byte slot
    assert.equal(list.get(0), "8 bytes!");
    assert.ok(Object.is(list.get(2), 1.5));
  } finally {
    list.shm.unlink();
  }
});

Deno.test("ShareableList rejects an item longer than its slot with RangeError", () => {
  using sized = new ShareableList(["abc"], { maxSize: 8 });
  using own = new ShareableList(["abcdefghij"]); // slot of 16 bytes
  try {
    sized.set(0, "12345678");
    assert.throws(
      () => sized.set(0, "123456789"),
      /needs 9 bytes and its slot holds 8/,
    );
    assert.throws(() => sized.set(0, "€€€"), RangeError); // 9 UTF-8 bytes
    assert.equal(sized.get(0), "12345678");
    own.set(0, "x".repeat(16));
    assert.throws(() => own.set(0, new Uint8Array(17)), RangeError);
    assert.throws(
      () => new ShareableList(["x".repeat(9)], { maxSize: 8 }),
      RangeError,
    );
    assert.throws(() => new ShareableList([], { maxSize: 4 }), RangeError);
    assert.throws(() => new ShareableList([], { maxSize: 8.5 }), RangeError);
  } finally {
    sized.shm.unlink();
    own.shm.unlink();
  }
});

Deno.test("ShareableList rejects unsupported items, bad indexes and too-wide bigints", () => {
  using list = new ShareableList([0]);
  try {
    assert.throws(() => new ShareableList([{}] as never), TypeError);
    assert.throws(() => new ShareableList([undefined] as never), TypeError);
    assert.throws(() => new ShareableList(5 as never), TypeError);
    assert.throws(() => list.set(0, Symbol() as never), TypeError);
    assert.throws(() => list.set(0, 2n ** 63n), RangeError);
    assert.throws(() => list.get(1), RangeError);
    assert.throws(() => list.set(-2, 1), RangeError);
    assert.throws(() => list.get(0.5), TypeError);
  } finally {
    list.shm.unlink();
  }
});

Deno.test("ShareableList revives over the same block, and attach() refuses a block without a list", () => {
  using list = new ShareableList(["a", 2]);
  using plain = SharedMemory.create({ name: "not-a-list", size: 64 });
  try {
    using twin = ShareableList[revive](structuredClone(list[describe]().data));
    twin.set(0, "b");
    assert.equal(list.get(0), "b");
    assert.equal(twin.name, list.name);
    assert.throws(
      () => ShareableList.attach("not-a-list"),
      /does not hold one/,
    );
    assert.throws(
      () => ShareableList.attach("no-such-list"),
      Deno.errors.NotFound,
    );
  } finally {
    list.shm.unlink();
    plain.unlink();
  }
});

Deno.test("ShareableList handle cannot be used after close()", () => {
  const list = new ShareableList([1]);
  list.shm.unlink();
  list.close();
  assert.throws(() => list.get(0), /handle is closed/);
});
