import assert from "node:assert/strict";
import { dtype, sizeOf } from "../../shared/dtype.ts";

Deno.test("dtype() gives 64-bit Linux sizes for every Python type code", () => {
  const sizes = {
    b: 1,
    B: 1,
    h: 2,
    H: 2,
    i: 4,
    I: 4,
    l: 8,
    L: 8,
    q: 8,
    Q: 8,
    f: 4,
    d: 8,
    c: 1,
    u: 2,
    "?": 1,
  } as const;
  for (const [code, size] of Object.entries(sizes)) {
    assert.equal(dtype(code as keyof typeof sizes).size, size, code);
  }
});

Deno.test("dtype() maps readable names to their codes and typed arrays", () => {
  assert.equal(dtype("int8").code, "b");
  assert.equal(dtype("uint64").code, "Q");
  assert.equal(dtype("float32").array, Float32Array);
  assert.equal(dtype("bool").code, "?");
  assert.equal(dtype("l").array, BigInt64Array);
  assert.equal(dtype("L").array, BigUint64Array);
  assert.equal(dtype("q").value, "bigint");
  assert.equal(dtype("i").value, "number");
  assert.equal(dtype("c").value, "string");
  assert.equal(dtype("?").value, "boolean");
  assert.equal(dtype("d").integer, false);
  assert.equal(dtype("H").max, 65535);
  assert.equal(dtype("Q").max, 2n ** 64n - 1n);
});

Deno.test("dtype() rejects an unknown code with a TypeError listing the valid ones", () => {
  for (const bad of ["x", "int", "", "I32", 4, null, undefined]) {
    assert.throws(() => dtype(bad as never), (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.match(error.message, /"b", "B", "h", .*"\?", "int8", .*"bool"/);
      return true;
    });
  }
  assert.throws(() => dtype("toString" as never), TypeError);
});

Deno.test("sizeOf() is ctypes.sizeof", () => {
  assert.equal(sizeOf("Q"), 8);
  assert.equal(sizeOf("h"), 2);
  assert.throws(() => sizeOf("z" as never), TypeError);
});
