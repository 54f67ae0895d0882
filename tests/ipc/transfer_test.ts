import assert from "node:assert/strict";
import {
  deserializeError,
  fromTransferable,
  lookupKind,
  registerErrorClass,
  serializeError,
  toTransferable,
} from "../../ipc/_transfer.ts";
import { revive } from "../../sync/_shareable.ts";
import * as ipc from "../../ipc/mod.ts";
import * as shared from "../../shared/mod.ts";
import * as sync from "../../sync/mod.ts";
import { Address, Counter } from "../fixtures/ipc_transfer_counter.ts";

/** Sends `value` the way every transport does: walk, clone, revive. */
function roundTrip<T>(value: T): T {
  return fromTransferable(structuredClone(toTransferable(value))) as T;
}

Deno.test("toTransferable() returns plain data itself, without a copy", () => {
  const value = {
    list: [1, "a", null, undefined, 2n, true],
    map: new Map<unknown, unknown>([[1, { x: 1 }], ["1", [2]]]),
    set: new Set([1, "1"]),
    date: new Date(0),
    bytes: new Uint8Array(8),
    shared: new Int32Array(new SharedArrayBuffer(8)),
    re: /x/g,
  };
  assert.equal(toTransferable(value), value);
  const big = Array.from({ length: 10_000 }, (_, i) => ({ i, s: `${i}` }));
  assert.equal(toTransferable(big), big);
  assert.deepEqual(roundTrip(value), value);
});

Deno.test("toTransferable() keeps cycles and shared references of plain data", () => {
  const a: Record<string, unknown> = { name: "a" };
  a.self = a;
  const shared = { n: 1 };
  const value = { a, pair: [shared, shared], counter: new Counter() };
  const back = roundTrip(value);
  assert.equal((back.a as { self: unknown }).self, back.a);
  assert.equal(back.pair[0], back.pair[1]);
});

Deno.test("fromTransferable() revives a shareable over the same memory, nested anywhere", () => {
  const counter = new Counter();
  const value = {
    deep: [{ inner: new Map([["k", counter]]) }],
    set: new Set([counter]),
    keyed: new Map([[counter, "as a key"]]),
  };
  const back = roundTrip(value);
  const revived = back.deep[0]!.inner.get("k")!;
  assert.ok(revived instanceof Counter);
  assert.notEqual(revived, counter);
  revived.add(5);
  assert.equal(counter.value, 5);
  // One description per original: every reference revives to one instance.
  assert.ok(back.set.has(revived));
  assert.equal(back.keyed.get(revived), "as a key");
  assert.equal(back.deep.length, 1);
});

Deno.test("fromTransferable() revives a shareable at the top level and data-only kinds", () => {
  const back = roundTrip(new Address(8080));
  assert.ok(back instanceof Address);
  assert.equal(back.port, 8080);
});

Deno.test("toTransferable() keeps a user object that owns the marker key", () => {
  const value = {
    __mp_transfer__: "shareable",
    kind: "x",
    data: 1,
    c: new Counter(),
  };
  const back = roundTrip(value);
  assert.equal(back.__mp_transfer__, "shareable");
  assert.equal(back.kind, "x");
  assert.ok(back.c instanceof Counter);
  const plain = { __mp_transfer__: "value", value: 1 };
  assert.deepEqual(roundTrip(plain), plain);
});

Deno.test("errors cross with class, message, stack, cause and own properties", () => {
  const cause = new RangeError("inner", { cause: "root" });
  const error = Object.assign(new TypeError("outer", { cause }), {
    code: "E_BAD",
    detail: { n: 1 },
  });
  const back = roundTrip({ error }).error as TypeError & {
    code: string;
    detail: unknown;
  };
  assert.ok(back instanceof TypeError);
  assert.equal(back.message, "outer");
  assert.equal(back.stack, error.stack);
  assert.equal(back.code, "E_BAD");
  assert.deepEqual(back.detail, { n: 1 });
  assert.ok(back.cause instanceof RangeError);
  assert.equal((back.cause as Error).message, "inner");
  assert.equal((back.cause as Error).cause, "root");
  assert.equal(Object.keys(back).join(), "code,detail");
});

Deno.test("errors of unknown classes come back as Error named after the class", () => {
  class ValidationError extends Error {}
  class HttpError extends Error {
    override name = "HttpError";
    status = 404;
  }
  const back = roundTrip([new ValidationError("v"), new HttpError("h")]);
  assert.equal(back[0]!.constructor, Error);
  assert.equal(back[0]!.name, "ValidationError");
  assert.equal(back[0]!.message, "v");
  assert.equal(back[1]!.name, "HttpError");
  assert.equal((back[1] as HttpError).status, 404);
});

Deno.test("AggregateError, DOMException and Deno.errors keep their class", () => {
  const aggregate = new AggregateError(
    [new Error("a"), new RangeError("b")],
    "all",
  );
  const back = roundTrip({
    aggregate,
    dom: new DOMException("stop", "AbortError"),
    notFound: new Deno.errors.NotFound("gone"),
  });
  assert.ok(back.aggregate instanceof AggregateError);
  assert.equal(back.aggregate.errors.length, 2);
  assert.ok(back.aggregate.errors[1] instanceof RangeError);
  assert.ok(back.dom instanceof DOMException);
  assert.equal(back.dom.name, "AbortError");
  assert.ok(back.notFound instanceof Deno.errors.NotFound);
});

Deno.test("an error whose cause is itself crosses without looping", () => {
  const error = new Error("loop");
  (error as { cause?: unknown }).cause = error;
  const back = roundTrip(error);
  assert.equal(back.cause, back);
});

Deno.test("serializeError() never throws on unclonable parts, deserializeError() rebuilds", () => {
  const error = Object.assign(new Error("with a callback"), {
    retry: () => {},
    counter: new Counter(),
  });
  const record = structuredClone(serializeError(error));
  assert.equal(record.className, "Error");
  assert.equal(record.message, "with a callback");
  const back = deserializeError(record) as Error & Record<string, unknown>;
  assert.equal(back.retry, "[unclonable function retry]");
  assert.ok(back.counter instanceof Counter);
  const thrown = deserializeError(structuredClone(serializeError("plain")));
  assert.equal(thrown, "plain");
  const obj = deserializeError(structuredClone(serializeError({ code: 7 })));
  assert.deepEqual(obj, { code: 7 });
});

Deno.test("toTransferable() names the path of a function in one TypeError", () => {
  assert.throws(
    () => toTransferable([1, { handler: () => {} }], { name: "args" }),
    {
      name: "TypeError",
      message:
        "Cannot send args[1].handler as it is a function: received function handler; send data, not code",
    },
  );
});

Deno.test("toTransferable() names paths inside Map, Set and odd keys", () => {
  const cases: [unknown, RegExp][] = [
    [
      new Map([["k", Symbol("s")]]),
      /^Cannot send value\.get\("k"\) as it is a symbol/,
    ],
    [
      new Set([1, () => 1]),
      /^Cannot send value\.values\(\)\[1\] as it is a function/,
    ],
    [
      { "a b": [new WeakMap()] },
      /^Cannot send value\["a b"\]\[0\] as it is an instance of WeakMap/,
    ],
    [
      { p: Promise.resolve() },
      /^Cannot send value\.p as it is an instance of Promise/,
    ],
    [() => 1, /^Cannot send value as it is a function/],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => toTransferable(value), { name: "TypeError", message });
  }
});

Deno.test("toTransferable() refuses class instances with methods, allows data classes", () => {
  class Point {
    constructor(public x: number, public y: number) {}
    norm(): number {
      return Math.hypot(this.x, this.y);
    }
  }
  class Plain {
    x = 1;
  }
  assert.throws(() => toTransferable({ p: new Point(1, 2) }), {
    name: "TypeError",
    message:
      /^Cannot send value\.p as it is an instance of Point, which has methods and is not shareable/,
  });
  assert.deepEqual(roundTrip({ p: new Plain() }), { p: { x: 1 } });
});

Deno.test("toTransferable({ crossProcess }) refuses shared memory, suggests a Manager", () => {
  assert.throws(
    () =>
      toTransferable({ c: new Counter() }, {
        crossProcess: true,
        name: "args",
      }),
    {
      name: "TypeError",
      message:
        /^Cannot send args\.c to another process as it is a test\.Counter over shared memory: use a Manager proxy \(manager\.counter\(\)\) or a socket-backed Queue instead$/,
    },
  );
  assert.throws(
    () =>
      toTransferable([new Int32Array(new SharedArrayBuffer(4))], {
        crossProcess: true,
      }),
    {
      name: "TypeError",
      message:
        /^Cannot send value\[0\] to another process as it is shared memory/,
    },
  );
  const back = fromTransferable(
    structuredClone(toTransferable(new Address(1), { crossProcess: true })),
  );
  assert.ok(back instanceof Address);
});

Deno.test("fromTransferable() rejects a kind nobody registered", () => {
  const wire = {
    __mp_transfer__: "value",
    value: { __mp_transfer__: "shareable", kind: "nope.Thing", data: 1 },
  };
  assert.throws(() => fromTransferable(wire), {
    name: "TypeError",
    message:
      'Cannot revive a shared object as its kind is not registered: received "nope.Thing"',
  });
  assert.equal(lookupKind("nope.Thing"), undefined);
  assert.equal(lookupKind("test.Counter"), Counter);
});

Deno.test("a shareable and an error cross into a real Worker and back", async () => {
  const worker = new Worker(
    new URL("../fixtures/ipc_transfer_echo.ts", import.meta.url),
    { type: "module" },
  );
  try {
    const counters = [new Counter(), new Counter()];
    const reply = new Promise<MessageEvent>((resolve, reject) => {
      worker.onmessage = resolve;
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(e.message));
      };
    });
    worker.postMessage(toTransferable({ counters }));
    const back = fromTransferable((await reply).data) as {
      counters: Counter[];
      error: Error & { code: number };
    };
    assert.deepEqual(counters.map((c) => c.value), [1, 1]);
    back.counters[0]!.add(10);
    assert.equal(counters[0]!.value, 11);
    assert.equal(back.error.name, "ValidationError");
    assert.equal(back.error.code, 42);
    assert.ok(back.error.cause instanceof RangeError);
  } finally {
    worker.terminate();
  }
});

Deno.test("the registry knows every shareable class of sync/, shared/ and ipc/", () => {
  const missing: string[] = [];
  for (
    const [folder, exports] of [["sync", sync], ["shared", shared], [
      "ipc",
      ipc,
    ]] as const
  ) {
    for (const [name, value] of Object.entries(exports)) {
      if (typeof value !== "function") continue;
      if (typeof (value as { [revive]?: unknown })[revive] !== "function") {
        continue;
      }
      if (lookupKind(`${folder}.${name}`) !== value) {
        missing.push(`${folder}.${name}`);
      }
    }
  }
  assert.deepEqual(missing, []);
});

Deno.test("errors of this package and of registered classes keep their class", () => {
  class PoolLikeError extends Error {
    override name = "PoolLikeError";
  }
  registerErrorClass(PoolLikeError as unknown as ErrorConstructor);
  const back = roundTrip([
    new ipc.ConnectionClosedError("gone"),
    new ipc.AuthenticationError("no"),
    new PoolLikeError("x"),
  ]);
  assert.ok(back[0] instanceof ipc.ConnectionClosedError);
  assert.ok(back[1] instanceof ipc.AuthenticationError);
  assert.ok(back[2] instanceof PoolLikeError);
  assert.throws(
    () => registerErrorClass(Map as unknown as ErrorConstructor),
    TypeError,
  );
});
