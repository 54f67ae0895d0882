import assert from "node:assert/strict";
import { decode, encode, MAX_DEPTH } from "../../ipc/_codec.ts";
import { ConnectionClosedError, Queue } from "../../ipc/mod.ts";

function roundTrip<T>(value: T): T {
  return decode(encode(value)) as T;
}

Deno.test("codec round-trips primitives exactly, with small ints and short strings in one or few bytes", () => {
  const values = [
    0,
    1,
    127,
    128,
    -1,
    -32,
    -33,
    2 ** 31 - 1,
    -(2 ** 31),
    2 ** 31,
    2 ** 53,
    1.5,
    NaN,
    Infinity,
    -Infinity,
    Number.MIN_VALUE,
    "",
    "abc",
    "naïve ✓ 𝄞",
    "x".repeat(100_000),
    "lone \ud800 surrogate",
    0n,
    -1n,
    2n ** 200n,
    -(2n ** 64n),
    true,
    false,
    null,
    undefined,
  ];
  for (const value of values) assert.ok(Object.is(roundTrip(value), value));
  assert.ok(Object.is(roundTrip(-0), -0));
  assert.equal(encode(5).length, 1);
  assert.equal(encode(-3).length, 1);
  assert.equal(encode("id").length, 3);
});

Deno.test("codec round-trips objects, arrays with holes, Map, Set, Date, RegExp, buffers and views", () => {
  const value = {
    list: [1, , "three", [4, [5]]],
    map: new Map<unknown, unknown>([[1, "a"], ["1", { b: 2 }], [{}, null]]),
    set: new Set([1, "1", 1n]),
    date: new Date(1_700_000_000_000),
    invalid: new Date(NaN),
    re: /a+b/gu,
    buffer: new Uint8Array([1, 2, 3]).buffer,
    views: [
      new Int8Array([-1]),
      new Uint8ClampedArray([255]),
      new Int16Array([-2]),
      new Uint16Array([2]),
      new Int32Array([-3]),
      new Uint32Array([3]),
      new Float32Array([0.5]),
      new Float64Array([0.25]),
      new BigInt64Array([-4n]),
      new BigUint64Array([4n]),
      new DataView(new Uint8Array([9, 8]).buffer),
    ],
    boxed: [Object("s"), Object(1), Object(true), Object(2n)],
    many: Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`k${i}`, i]),
    ),
  };
  assert.deepEqual(roundTrip(value), value);
  // A null-prototype object comes back as a plain one, as with structuredClone.
  const bare = roundTrip(Object.assign(Object.create(null), { a: 1 }));
  assert.deepEqual(bare, { a: 1 });
  const sub = new Uint8Array([0, 1, 2, 3, 4]).subarray(1, 3);
  assert.deepEqual(roundTrip(sub), new Uint8Array([1, 2]));
});

Deno.test("codec keeps shared references and cycles", () => {
  const shared = { n: 1 };
  const cyclic: Record<string, unknown> = { name: "a" };
  cyclic.self = cyclic;
  const map = new Map<string, unknown>();
  map.set("me", map);
  const many = Array.from({ length: 50 }, (_, i) => ({ i }));
  const back = roundTrip({
    pair: [shared, shared],
    cyclic,
    map,
    many,
    again: many,
  });
  assert.equal(back.pair[0], back.pair[1]);
  assert.equal(back.cyclic.self, back.cyclic);
  assert.equal(back.map.get("me"), back.map);
  assert.equal(back.again, back.many);
  assert.deepEqual(back.many[49], { i: 49 });
});

Deno.test("codec rebuilds errors with their class, message, stack, cause and own properties", () => {
  class ValidationError extends Error {
    code = 42;
  }
  const error = new ValidationError("bad", { cause: new TypeError("inner") });
  const back = roundTrip(error) as Error & { code: number };
  assert.equal(back.name, "ValidationError"); // an unknown class: its name
  assert.equal(back.message, "bad");
  assert.equal(back.code, 42);
  assert.equal(back.stack, error.stack);
  assert.ok(back.cause instanceof TypeError);
  const closed = roundTrip(new ConnectionClosedError("gone"));
  assert.ok(closed instanceof ConnectionClosedError);
  const aggregate = roundTrip(new AggregateError([new RangeError("r")], "all"));
  assert.ok(aggregate.errors[0] instanceof RangeError);
  const dom = roundTrip(new DOMException("late", "TimeoutError"));
  assert.equal(dom.name, "TimeoutError");
});

Deno.test("codec turns class instances without methods into plain objects, like structured clone", () => {
  class Point {
    x = 1;
    y = 2;
  }
  assert.deepEqual(roundTrip(new Point()), { x: 1, y: 2 });
  assert.equal(Object.getPrototypeOf(roundTrip(new Point())), Object.prototype);
});

Deno.test("codec refuses what it cannot carry with a TypeError naming the path", () => {
  class Service {
    run() {}
  }
  const cases: [unknown, RegExp][] = [
    [{ a: [1, () => 1] }, /value\.a\[1\] as it is a function/],
    [{ s: Symbol("x") }, /value\.s as it is a symbol/],
    [
      new Map([[1, new Service()]]),
      /value\.values\(\)\[0\] as it is not clonable/,
    ],
    [{ "odd key": new WeakMap() }, /value\["odd key"\]/],
    [[new SharedArrayBuffer(8)], /shared memory/],
    [new Int32Array(new SharedArrayBuffer(8)), /view of shared memory/],
    [{ q: new Queue() }, /value\.q as it is a shared object/],
    [new Set([Promise.resolve()]), /not clonable/],
  ];
  for (const [value, pattern] of cases) {
    assert.throws(() => encode(value), (error: Error) => {
      assert.ok(error instanceof TypeError, String(error));
      assert.match(error.message, pattern);
      return true;
    });
  }
  let deep: unknown[] = [];
  const root = deep;
  for (let i = 0; i < MAX_DEPTH + 5; i++) deep = (deep[0] = []) as unknown[];
  assert.throws(() => encode(root), RangeError);
  assert.deepEqual(roundTrip([1]), [1]); // still usable
});

Deno.test("codec decode rejects malformed bytes with a clear error and runs no code", () => {
  const cases: [number[], RegExp][] = [
    [[], /message ended/],
    [[0xc4, 1], /bytes needed/],
    [[0x85, 0x61], /bytes needed/],
    [[0xc8, 0xff, 0xff, 0xff, 0x7f], /exceeds the bytes left/],
    [[0xd2, 0, 0, 0, 0], /reference 0 unknown/],
    [[0xd8], /tag 0xd8 unknown/],
    [[0xd6, 1, 0, 0, 0], /shared memory id in bytes from outside/],
    [[0xd5, 1, 0xc1], /kind is not a string/],
    [[0xd5, 0x83, 0x61, 0x62, 0x63, 0xc1], /kind "abc" is unknown/],
    [[0xd5, 0x89, ...new TextEncoder().encode("sync.Lock"), 0xc1], /malformed/],
    [[1, 2], /trailing bytes/],
    [[0xb1, 1, 1], /key is not a string/],
    [[0xcd, 0x81, 0x28, 0x80], /RegExp/],
    [[0xce, 0, 0x81, 0x67], /bigint/],
    [[0xd0, 99, 0, 0, 0, 0], /view kind/],
    [[0xd0, 9, 3, 0, 0, 0, 1, 2, 3], /multiple of 8/],
  ];
  for (const [bytes, pattern] of cases) {
    assert.throws(() => decode(new Uint8Array(bytes)), (error: Error) => {
      assert.ok(error instanceof TypeError, String(error));
      assert.match(error.message, pattern);
      return true;
    });
  }
  const deep = new Uint8Array(MAX_DEPTH + 10).fill(0xa1);
  assert.throws(() => decode(deep), RangeError);
  const proto = decode(
    encode(JSON.parse('{"__proto__": {"polluted": 1}}')),
  ) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  assert.deepEqual(Object.keys(proto), ["__proto__"]);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

Deno.test("codec decode survives a fuzz of random and mutated bytes: a value or a TypeError/RangeError, never a crash or a hang", () => {
  let seed = 12345;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const samples = [
    encode({ id: 1, args: [1, "two", 3.5, [null, undefined]] }),
    encode(new Map<unknown, unknown>([[1, new Set([2n])], ["d", new Date(0)]])),
    encode([new Float64Array([1, 2]), /x/g, new RangeError("e")]),
  ];
  let values = 0, errors = 0;
  for (let round = 0; round < 20_000; round++) {
    let bytes: Uint8Array;
    if (round % 2 === 0) {
      bytes = new Uint8Array(Math.floor(random() * 48));
      for (let i = 0; i < bytes.length; i++) {
        // Bias towards the tag range so that structure gets explored.
        bytes[i] = random() < 0.5
          ? 0xa0 + Math.floor(random() * 0x40)
          : Math.floor(random() * 256);
      }
    } else {
      bytes = samples[round % samples.length]!.slice();
      const flips = 1 + Math.floor(random() * 3);
      for (let f = 0; f < flips; f++) {
        bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      }
      if (random() < 0.3) {
        bytes = bytes.subarray(0, Math.floor(random() * bytes.length));
      }
    }
    try {
      decode(bytes);
      values++;
    } catch (error) {
      assert.ok(
        error instanceof TypeError || error instanceof RangeError,
        `${error} for [${bytes}]`,
      );
      errors++;
    }
  }
  assert.ok(values > 0 && errors > 0);
});
