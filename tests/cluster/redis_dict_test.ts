import assert from "node:assert/strict";
import { RedisDict } from "@mp/multiprocessing/cluster";
import { clusterTest, RedisServer } from "./_redis_server.ts";

clusterTest(
  'RedisDict keeps key types apart: 1, "1", 0.25, 1n and true are five keys',
  async () => {
    await using server = await RedisServer.start();
    await using d = await RedisDict.connect<unknown, string>("types", {
      redis: server.url,
    });
    await d.set(1, "number");
    await d.set("1", "string");
    await d.set(0.25, "float");
    await d.set(1n, "bigint");
    await d.set(true, "boolean");
    assert.equal(await d.size(), 5);
    assert.equal(await d.get(1), "number");
    assert.equal(await d.get("1"), "string");
    assert.equal(await d.get(0.25), "float");
    assert.equal(await d.get(1n), "bigint");
    assert.equal(await d.get(true), "boolean");
    assert.equal(await d.get(2), undefined);
    assert.deepEqual(await d.keys(), [1, "1", 0.25, 1n, true]);
  },
);

clusterTest(
  "RedisDict matches keys as Map does: -0 is 0, NaN is NaN",
  async () => {
    await using server = await RedisServer.start();
    await using d = await RedisDict.connect<number, string>("zero", {
      redis: server.url,
    });
    await d.set(-0, "zero");
    assert.equal(await d.get(0), "zero");
    await d.set(NaN, "nan");
    assert.equal(await d.get(0 / 0), "nan");
    assert.equal(await d.size(), 2);
    const map = new Map<number, string>([[-0, "zero"], [NaN, "nan"]]);
    assert.deepEqual(await d.toMap(), map);
  },
);

clusterTest(
  "RedisDict keeps insertion order: an update keeps its place, a re-added key goes last",
  async () => {
    await using server = await RedisServer.start();
    await using d = await RedisDict.connect<string, number>("order", {
      redis: server.url,
    });
    await d.update([["a", 1], ["b", 2], ["c", 3]]);
    await d.set("a", 10);
    assert.deepEqual(await d.entries(), [["a", 10], ["b", 2], ["c", 3]]);
    assert.equal(await d.delete("a"), true);
    assert.equal(await d.delete("a"), false);
    await d.set("a", 1);
    assert.deepEqual(await d.keys(), ["b", "c", "a"]);
    assert.deepEqual(await d.values(), [2, 3, 1]);
    await d.update({ z: 26 });
    assert.deepEqual(await d.keys(), ["b", "c", "a", "z"]);
  },
);

clusterTest(
  "RedisDict has/pop/setdefault/clear follow Python's dict",
  async () => {
    await using server = await RedisServer.start();
    await using d = await RedisDict.connect<string, unknown>("ops", {
      redis: server.url,
    });
    assert.equal(await d.has("x"), false);
    assert.deepEqual(await d.setdefault("x", [1]), [1]);
    assert.deepEqual(await d.setdefault("x", [2]), [1]);
    assert.equal(await d.has("x"), true);
    assert.deepEqual(await d.pop("x"), [1]);
    assert.equal(await d.pop("x"), undefined);
    assert.equal(await d.pop("x", "fallback"), "fallback");
    await d.update(new Map([["p", 1], ["q", 2]]));
    await d.clear();
    assert.equal(await d.size(), 0);
    assert.deepEqual(await d.entries(), []);
  },
);

clusterTest("RedisDict values keep their types and are copies", async () => {
  await using server = await RedisServer.start();
  await using d = await RedisDict.connect<string, unknown>("values", {
    redis: server.url,
  });
  const value = {
    when: new Date(5),
    tags: new Set(["a"]),
    big: 2n ** 70n,
    bytes: new Uint8Array([9]),
  };
  await d.set("v", value);
  const got = await d.get("v") as typeof value;
  assert.deepEqual(got, value);
  got.tags.add("b");
  assert.deepEqual(await d.get("v"), value);
});

clusterTest("RedisDict refuses object keys with a TypeError", async () => {
  await using server = await RedisServer.start();
  await using d = await RedisDict.connect<unknown, number>("keys", {
    redis: server.url,
  });
  await assert.rejects(d.set({}, 1), TypeError);
  await assert.rejects(d.get([1]), TypeError);
});

clusterTest(
  "RedisDict handles on two connections see one dictionary, iterated in pages",
  async () => {
    await using server = await RedisServer.start();
    await using a = await RedisDict.connect<number, number>("big", {
      redis: server.url,
    });
    await using b = await RedisDict.connect<number, number>("big", {
      redis: server.url,
    });
    const entries: [number, number][] = [];
    for (let i = 0; i < 1234; i++) entries.push([i, i * i]);
    await a.update(entries);
    assert.equal(await b.size(), 1234);
    let n = 0;
    for await (const [key, value] of b) {
      assert.equal(key, n);
      assert.equal(value, n * n);
      n++;
    }
    assert.equal(n, 1234);
    await b.unlink();
    assert.equal(await a.size(), 0);
  },
);
