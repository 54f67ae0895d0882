import assert from "node:assert/strict";
import {
  ClusterPool,
  RedisConnectionError,
  RedisDict,
  RedisQueue,
  WorkerNode,
} from "@mp/multiprocessing/cluster";
import { clusterTest, makeTlsFiles, RedisServer } from "./_redis_server.ts";

const MODULE = new URL("../fixtures/cluster_tasks.ts", import.meta.url);

// An ACL user limited to the package's keys and without @dangerous commands
// but INFO (so no CLIENT UNBLOCK / CLIENT LIST), and no default user.
const ACL = [
  "--user",
  "default",
  "off",
  "--user",
  "mp",
  "on",
  ">s3cret",
  "~mp:*",
  "&*",
  "+@all",
  "-@dangerous",
  "+info",
];

clusterTest(
  "RedisConnectionOptions: an ACL user and password are passed through, in options or in the URL",
  async () => {
    await using server = await RedisServer.start(ACL);
    await using a = await RedisDict.connect<string, number>("acl", {
      redis: { url: server.url, username: "mp", password: "s3cret" },
    });
    await using b = await RedisDict.connect<string, number>("acl", {
      redis: server.url.replace("//", "//mp:s3cret@"),
    });
    await a.set("x", 1);
    assert.equal(await b.get("x"), 1);
    const wrong = await RedisDict.connect("acl", {
      redis: { url: server.url, username: "mp", password: "nope" },
    }).catch((e) => e);
    assert.ok(wrong instanceof RedisConnectionError);
    assert.match(wrong.message, /WRONGPASS/);
    const anonymous = await RedisDict.connect("acl", { redis: server.url })
      .catch((e) => e);
    assert.ok(anonymous instanceof RedisConnectionError);
  },
);

clusterTest(
  "a restricted ACL user (no CLIENT UNBLOCK) still gets cancellable waits and a working ClusterPool",
  async () => {
    await using server = await RedisServer.start(ACL);
    const redis = { url: server.url, username: "mp", password: "s3cret" };
    await using queue = await RedisQueue.connect<number>("acl-q", { redis });
    await assert.rejects(queue.get({ timeout: 50 }), { name: "TimeoutError" });
    await queue.put(5);
    assert.equal(await queue.get(), 5);
    const node = await WorkerNode.start({
      module: MODULE,
      redis,
      backend: "inline",
      processes: 1,
    });
    try {
      await using pool = await ClusterPool.connect({ redis });
      assert.deepEqual(await pool.map("square", [1, 2, 3]), [1, 4, 9]);
    } finally {
      await node.stop();
    }
  },
);

clusterTest(
  "RedisConnectionOptions.tls: a rediss:// server is reached with its CA, and refused without it",
  async () => {
    const files = await makeTlsFiles();
    if (files === undefined) {
      console.log("NOTICE: TLS test skipped: openssl not found");
      return;
    }
    try {
      await using server = await RedisServer.start([], files);
      const ca = await Deno.readTextFile(files.ca);
      await using queue = await RedisQueue.connect<string>("tls", {
        redis: { url: server.url, tls: { ca } },
      });
      await queue.put("over TLS");
      assert.equal(await queue.get(), "over TLS");
      const untrusted = await RedisQueue.connect("tls", {
        redis: { url: server.url, connectTimeout: 5000 },
      }).catch((e) => e);
      assert.ok(untrusted instanceof RedisConnectionError);
    } finally {
      await Deno.remove(files.dir, { recursive: true });
    }
  },
);
