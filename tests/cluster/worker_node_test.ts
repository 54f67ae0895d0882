import assert from "node:assert/strict";
import { ClusterPool, WorkerNode } from "@mp/multiprocessing/cluster";
import { Redis } from "ioredis";
import { slowSquare, square } from "../fixtures/cluster_tasks.ts";
import { clusterTest, RedisServer } from "./_redis_server.ts";
import { NodeProcess, reclaimedIn } from "./_nodes.ts";

const MODULE = new URL("../fixtures/cluster_tasks.ts", import.meta.url);
const WORKER = new URL("../../cluster/worker.ts", import.meta.url).pathname;

async function runWorker(
  args: string[],
): Promise<{ code: number; text: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", WORKER, ...args],
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).output();
  const decoder = new TextDecoder();
  return {
    code: out.code,
    text: decoder.decode(out.stdout) + decoder.decode(out.stderr),
  };
}

clusterTest(
  "WorkerNode.start() serves a ClusterPool in-process, counts what it did, and leaves the group on stop()",
  async () => {
    await using server = await RedisServer.start();
    const node = await WorkerNode.start({
      module: MODULE,
      redis: server.url,
      name: "inproc",
      backend: "inline",
      processes: 2,
    });
    try {
      await using pool = await ClusterPool.connect({
        redis: server.url,
        name: "inproc",
        maxAttempts: 1,
      });
      assert.deepEqual(await pool.map(square, [1, 2, 3, 4], { chunksize: 2 }), [
        1,
        4,
        9,
        16,
      ]);
      await pool.apply("poison", [1]).catch(() => {});
      assert.equal(node.stats.completed, 4);
      assert.equal(node.stats.failed, 1);
      assert.equal(node.stats.deadLettered, 1);
      assert.equal(node.stats.running, 0);
    } finally {
      await node.stop();
    }
    const redis = new Redis(server.url, { lazyConnect: true });
    await redis.connect();
    try {
      const consumers = await redis.xinfo(
        "CONSUMERS",
        "mp:pool:{inproc}:tasks",
        "nodes",
      );
      assert.deepEqual(consumers, []);
    } finally {
      const ended = new Promise((resolve) => redis.once("end", resolve));
      redis.disconnect();
      await ended;
    }
  },
);

clusterTest(
  "WorkerNode.start() refuses bad options and a module that does not load",
  async () => {
    await assert.rejects(
      WorkerNode.start({ module: MODULE, processes: 0 }),
      RangeError,
    );
    await assert.rejects(
      WorkerNode.start({ module: MODULE, name: "a{b}" }),
      TypeError,
    );
    await assert.rejects(
      WorkerNode.start({ module: new URL("./no_such_module.ts", MODULE) }),
      /task module failed to load/,
    );
  },
);

clusterTest(
  "a worker node keeps a task running past its visibility timeout: no other node takes it",
  async () => {
    await using server = await RedisServer.start();
    await using busy = await NodeProcess.start(server.url, {
      visibilityTimeout: 1500,
      prefetch: 1,
    });
    await using pool = await ClusterPool.connect({ redis: server.url });
    const long = pool.apply(slowSquare, [3, 4000]);
    await new Promise((resolve) => setTimeout(resolve, 500)); // the busy node holds it
    await using idle = await NodeProcess.start(server.url, {
      visibilityTimeout: 1500,
    });
    assert.equal(await long, 9);
    const stops = await Promise.all([busy.stop(), idle.stop()]);
    assert.equal(reclaimedIn(stops[1].output), 0, stops[1].output);
    assert.equal(pool.stats.duplicates, 0);
  },
);

clusterTest(
  "cluster/worker.ts exits 2 on bad flags and 1 when Redis is down, naming the reason",
  async () => {
    const noModule = await runWorker(["--redis", "redis://127.0.0.1:1"]);
    assert.equal(noModule.code, 2);
    assert.match(noModule.text, /--module is missing/);
    const badCount = await runWorker([
      "--module",
      MODULE.pathname,
      "--processes",
      "zero",
    ]);
    assert.equal(badCount.code, 2);
    assert.match(
      badCount.text,
      /--processes must be an integer >= 1: received "zero"/,
    );
    const unknown = await runWorker(["--module", MODULE.pathname, "--bogus"]);
    assert.equal(unknown.code, 2);
    const down = await runWorker([
      "--module",
      MODULE.pathname,
      "--redis",
      "redis://u:pw@127.0.0.1:1",
    ]);
    assert.equal(down.code, 1);
    assert.match(
      down.text,
      /Cannot connect WorkerNode .* to Redis at redis:\/\/u:\*\*\*@127\.0\.0\.1:1/,
    );
    assert.ok(!down.text.includes(":pw@"));
  },
);
