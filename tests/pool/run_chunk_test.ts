// How a map chunk runs in a child (pool/_run_chunk.ts): long chunks of
// number results come back as a typed array (Int32Array when all are int32,
// exact Float64Array otherwise, -0 kept), anything else as an array, a throw
// or a promise part-way hands over to the general loop without losing order.
import assert from "node:assert/strict";
import { ChunkOutcomes, runChunk } from "../../pool/_run_chunk.ts";
import { MAP_CHUNK, OK, THREW } from "../../pool/_protocol.ts";

const n = 100;
const ints = Array.from({ length: n }, (_, i) => i - 50);

Deno.test("runChunk() returns int32 results of a long chunk as Int32Array", () => {
  const out = runChunk((x: number) => x * 2, MAP_CHUNK, ints);
  assert.ok(out instanceof Int32Array);
  assert.deepEqual([...out], ints.map((x) => x * 2));
});

Deno.test("runChunk() keeps fractions and -0 in a Float64Array", () => {
  const out = runChunk((x: number) => (x === 0 ? -0 : x / 4), MAP_CHUNK, ints);
  assert.ok(out instanceof Float64Array);
  assert.ok(Object.is(out[50], -0));
  assert.equal(out[1], -49 / 4);
});

Deno.test("runChunk() switches to an array at the first non-number", () => {
  const out = runChunk(
    (x: number) => (x < 10 ? x : String(x)),
    MAP_CHUNK,
    ints,
  ) as unknown[];
  assert.ok(Array.isArray(out));
  assert.equal(out[0], -50);
  assert.equal(out[99], "49");
});

Deno.test("runChunk() fails only the item that threw, in order", () => {
  const out = runChunk(
    (x: number) => {
      if (x === 0) throw new RangeError("zero");
      return x;
    },
    MAP_CHUNK,
    ints,
  );
  assert.ok(out instanceof ChunkOutcomes);
  const outcomes = out.outcomes;
  assert.equal(outcomes[2 * 50], THREW);
  assert.ok(outcomes[2 * 50 + 1] instanceof RangeError);
  assert.equal(outcomes[2 * 51], OK);
  assert.equal(outcomes[2 * 51 + 1], 1);
});

Deno.test("runChunk() awaits an item that returns a promise, then goes on", async () => {
  const out = await runChunk(
    (x: number) => (x === 10 ? Promise.resolve(1000) : x),
    MAP_CHUNK,
    ints,
  );
  assert.ok(out instanceof Int32Array);
  assert.equal(out[60], 1000);
  assert.equal(out[61], 11);
});
