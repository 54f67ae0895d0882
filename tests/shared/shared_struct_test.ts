import assert from "node:assert/strict";
import { describe, revive } from "../../sync/_shareable.ts";
import type { RawArray } from "../../shared/raw_array.ts";
import { SharedStruct, StructRecord } from "../../shared/shared_struct.ts";
import { StructArray } from "../../shared/struct_array.ts";

Deno.test("SharedStruct lays fields out with C's natural alignment", () => {
  const S = new SharedStruct({ x: "d", y: "i", tag: ["c", 16] });
  assert.equal(S.offsetOf("x"), 0);
  assert.equal(S.offsetOf("y"), 8);
  assert.equal(S.offsetOf("tag"), 12);
  assert.equal(S.size, 32);
  assert.equal(S.align, 8);
  const T = new SharedStruct({ a: "c", b: "q", c: "h", d: "B" });
  assert.deepEqual(
    ["a", "b", "c", "d"].map((f) => T.offsetOf(f as "a")),
    [0, 8, 16, 18],
  );
  assert.equal(T.size, 24);
  const U = new SharedStruct({ a: "B", b: ["H", 3] });
  assert.equal(U.offsetOf("b"), 2);
  assert.equal(U.size, 8);
  assert.equal(U.align, 2);
});

Deno.test("SharedStruct records have typed field accessors over shared memory", () => {
  const S = new SharedStruct({
    x: "d",
    n: "q",
    ok: "?",
    tag: ["c", 8],
    wide: ["u", 4],
    xs: ["i", 3],
  });
  const r = S.create({
    x: 1.5,
    n: 7n,
    ok: true,
    tag: "héllo",
    wide: "Zoë",
    xs: [1, 2, 3],
  });
  const x: number = r.x;
  const n: bigint = r.n;
  const tag: string = r.tag;
  const xs: RawArray<"i"> = r.xs;
  assert.equal(x, 1.5);
  assert.equal(n, 7n);
  assert.equal(r.ok, true);
  assert.equal(tag, "héllo");
  assert.equal(r.wide, "Zoë");
  assert.deepEqual(xs.toArray(), [1, 2, 3]);
  r.tag = "ab";
  assert.equal(r.tag, "ab");
  r.tag = new Uint8Array([65, 66, 67, 68, 69, 70, 71, 72]) as never;
  assert.equal(r.tag, "ABCDEFGH");
  assert.deepEqual(Object.keys(r), []);
  assert.deepEqual({
    ...Object.fromEntries(["x", "n"].map((k) => [k, r[k as "x"]])),
  }, { x: 1.5, n: 7n });
  assert.ok(r instanceof StructRecord);
});

Deno.test("SharedStruct fields reject values that do not fit", () => {
  const S = new SharedStruct({
    b: "B",
    i: "i",
    q: "q",
    tag: ["c", 4],
    w: ["u", 2],
  });
  const r = S.create();
  assert.throws(() => (r.b = 300), RangeError);
  assert.throws(() => (r.i = 1.5), TypeError);
  assert.throws(() => (r.q = 1 as never), TypeError);
  assert.throws(() => (r.tag = "12345"), RangeError);
  assert.throws(() => (r.tag = "€€"), RangeError); // 6 UTF-8 bytes
  assert.throws(() => (r.tag = 5 as never), TypeError);
  assert.throws(() => (r.w = "abc"), RangeError);
  assert.throws(() => S.create({ nope: 1 } as never), TypeError);
  assert.equal(r.b, 0);
  assert.equal(r.tag, "");
});

Deno.test("SharedStruct rejects bad layouts", () => {
  assert.throws(() => new SharedStruct({}), RangeError);
  assert.throws(() => new SharedStruct({ x: "z" as never }), /not one of "b"/);
  assert.throws(() => new SharedStruct({ x: ["i", 0] }), RangeError);
  assert.throws(() => new SharedStruct({ x: ["i", -1] }), RangeError);
  assert.throws(() => new SharedStruct({ x: ["i", 1.5] }), RangeError);
  assert.throws(() => new SharedStruct(null as never), TypeError);
  assert.throws(
    () => new SharedStruct({ x: "i" }).offsetOf("y" as never),
    TypeError,
  );
  assert.throws(() => new SharedStruct({ x: "i" }).array(-1), RangeError);
});

Deno.test("SharedStruct.array() holds records one after another", () => {
  const P = new SharedStruct({ id: "I", score: "f" });
  const ps = P.array(4);
  assert.equal(ps.length, 4);
  ps.get(2).id = 42;
  ps.get(-1).score = 0.25;
  assert.deepEqual([...ps].map((p) => p.id), [0, 0, 42, 0]);
  assert.equal(ps.get(3).score, 0.25);
  assert.throws(() => ps.get(4), RangeError);
  assert.throws(() => ps.get(-5), RangeError);
  assert.throws(() => ps.get(0.5), TypeError);
  assert.equal(P.array(0).length, 0);
});

Deno.test("SharedStruct records and arrays revive over the same memory", () => {
  const P = new SharedStruct({ x: "d", label: ["c", 8] });
  const ps = P.array(2);
  const d = ps[describe]();
  assert.equal(d.kind, "shared.StructArray");
  const twin = StructArray[revive](structuredClone(d.data));
  (twin.get(1) as unknown as { x: number }).x = 9.5;
  assert.equal(ps.get(1).x, 9.5);

  const r = P.create({ label: "one" });
  const rd = r[describe]();
  assert.equal(rd.kind, "shared.StructRecord");
  const copy = StructRecord[revive](structuredClone(rd.data)) as unknown as {
    label: string;
  };
  assert.equal(copy.label, "one");
  copy.label = "two";
  assert.equal(r.label, "two");
});

Deno.test("SharedStruct.at() places records in existing memory, checked", () => {
  const P = new SharedStruct({ a: "i", b: "i" });
  const buffer = new SharedArrayBuffer(16);
  const r = P.at(buffer, 8);
  r.b = -1;
  assert.equal(new Int32Array(buffer)[3], -1);
  assert.throws(() => P.at(buffer, 12), RangeError);
  assert.throws(() => P.at(buffer, 2), RangeError);
  assert.throws(() => new StructRecord(), TypeError);
});
