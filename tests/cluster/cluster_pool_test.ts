import assert from "node:assert/strict";
import {
  ClusterPool,
  PoolClosedError,
  RedisConnectionError,
  RemoteError,
} from "@mp/multiprocessing/cluster";
import { slowSquare, square } from "../fixtures/cluster_tasks.ts";
import { Redis } from "ioredis";
import { clusterTest, RedisServer } from "./_redis_server.ts";
import { NodeProcess, reclaimedIn, startNodes } from "./_nodes.ts";

const TASKS = "mp:pool:{default}:tasks";

async function rawClient(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true });
  redis.on("error", () => {});
  await redis.connect();
  return redis;
}

async function closeRaw(redis: Redis): Promise<void> {
  const ended = new Promise((resolve) => redis.once("end", resolve));
  redis.disconnect();
  await ended;
}

clusterTest(
  "ClusterPool.map() over three worker-node processes returns 10,000 exact, ordered results",
  async () => {
    await using server = await RedisServer.start();
    const nodes = await startNodes(3, server.url);
    try {
      await using pool = await ClusterPool.connect({ redis: server.url });
      const xs = Array.from({ length: 10_000 }, (_, i) => i);
      let progress = 0;
      const squares = await pool.map(square, xs, {
        onProgress: (done) => progress = done,
      });
      assert.deepEqual(squares, xs.map((x) => x * x));
      assert.equal(progress, 10_000);
      assert.equal(pool.stats.completed, 10_000);
      assert.equal(pool.stats.pending, 0);
    } finally {
      const stops = await Promise.all(nodes.map((node) => node.stop()));
      for (const { code, output } of stops) assert.equal(code, 0, output);
    }
  },
);

clusterTest(
  "ClusterPool.map() completes every task once when a node is SIGKILLed mid-run",
  async () => {
    await using server = await RedisServer.start();
    const nodes = await startNodes(3, server.url, {
      visibilityTimeout: 1500,
      processes: 2,
    });
    const raw = await rawClient(server.url);
    try {
      await using pool = await ClusterPool.connect({ redis: server.url });
      const xs = Array.from({ length: 600 }, (_, i) => i);
      let killed: Promise<unknown> | undefined;
      let pendingAtKill = 0;
      const victim = nodes[0]!;
      const squares = await pool.map(slowSquare, xs, {
        chunksize: 5,
        onProgress: (done) => {
          if (killed !== undefined || done < 100) return;
          killed = (async () => {
            const rows = await raw.xpending(
              TASKS,
              "nodes",
              "-",
              "+",
              100,
              victim.consumer,
            ) as unknown[];
            pendingAtKill = rows.length;
            await victim.stop("SIGKILL");
          })();
        },
      });
      await killed;
      assert.deepEqual(squares, xs.map((x) => x * x));
      assert.equal(pool.stats.completed, 600);
      assert.equal(pool.stats.pending, 0);
      const stops = await Promise.all(
        nodes.slice(1).map((node) => node.stop()),
      );
      for (const { code, output } of stops) assert.equal(code, 0, output);
      const reclaimed = stops.reduce(
        (sum, s) => sum + reclaimedIn(s.output),
        0,
      );
      if (pendingAtKill > 0) {
        assert.ok(reclaimed > 0, `reclaimed ${reclaimed} of ${pendingAtKill}`);
      }
      const summary = await raw.xpending(TASKS, "nodes") as [
        number,
        ...unknown[],
      ];
      assert.equal(summary[0], 0);
    } finally {
      await Promise.all(nodes.map((node) => node.stop("SIGKILL")));
      await closeRaw(raw);
    }
  },
);

clusterTest(
  "ClusterPool: a poisoned task is retried maxAttempts times, lands in the dead-letter stream and rejects with RemoteError",
  async () => {
    await using server = await RedisServer.start();
    await using node = await NodeProcess.start(server.url);
    await using pool = await ClusterPool.connect({
      redis: server.url,
      maxAttempts: 2,
    });
    const error = await pool.apply("poison", [7]).catch((e) => e);
    assert.ok(error instanceof RemoteError);
    assert.equal(error.remoteName, "RangeError");
    assert.ok(error.cause instanceof RangeError);
    assert.equal(error.message, "poisoned 7");
    const letters = await pool.deadLetters();
    assert.equal(letters.length, 1);
    const [letter] = letters;
    assert.equal(letter!.fn, "poison");
    assert.deepEqual(letter!.args, [7]);
    assert.equal(letter!.attempts, 2);
    assert.equal(letter!.caller, pool.caller);
    assert.equal(letter!.node, node.consumer);
    assert.ok(letter!.error instanceof RangeError);
    await assert.rejects(pool.map("poison", [1, 2, 3]), RemoteError);
    assert.equal(await pool.apply(square, [3]), 9); // the pool serves on
    const { code } = await node.stop();
    assert.equal(code, 0);
  },
);

clusterTest(
  "ClusterPool survives a Redis restart mid-run: every task completes",
  async () => {
    await using server = await RedisServer.start();
    const nodes = await startNodes(2, server.url, { visibilityTimeout: 2000 });
    try {
      await using pool = await ClusterPool.connect({ redis: server.url });
      const xs = Array.from({ length: 400 }, (_, i) => i);
      let restarted: Promise<void> | undefined;
      const squares = await pool.map(slowSquare, xs, {
        chunksize: 4,
        onProgress: (done) => {
          if (restarted === undefined && done >= 80) {
            restarted = server.restart();
          }
        },
      });
      await restarted;
      assert.deepEqual(squares, xs.map((x) => x * x));
      assert.ok(pool.stats.resubmitted > 0);
      assert.deepEqual(await pool.map(square, [1, 2, 3]), [1, 4, 9]);
    } finally {
      const stops = await Promise.all(nodes.map((node) => node.stop()));
      for (const { code, output } of stops) assert.equal(code, 0, output);
    }
  },
);

clusterTest(
  "ClusterPool.imap() yields in order, imapUnordered() yields all, starmap() spreads arguments",
  async () => {
    await using server = await RedisServer.start();
    await using node = await NodeProcess.start(server.url, { processes: 2 });
    await using pool = await ClusterPool.connect({
      redis: server.url,
      maxAttempts: 1,
    });
    const ordered: number[] = [];
    for await (
      const v of pool.imap(square, [5, 4, 3, 2, 1], { maxInFlight: 2 })
    ) ordered.push(v);
    assert.deepEqual(ordered, [25, 16, 9, 4, 1]);
    const unordered: number[] = [];
    for await (
      const v of pool.imapUnordered(square, [1, 2, 3], { chunksize: 2 })
    ) unordered.push(v);
    assert.deepEqual(unordered.sort((a, b) => a - b), [1, 4, 9]);
    function* naturals() {
      for (let i = 1;; i++) yield i;
    }
    const first: number[] = [];
    for await (const v of pool.imap(square, naturals(), { maxInFlight: 4 })) {
      first.push(v);
      if (first.length === 6) break;
    }
    assert.deepEqual(first, [1, 4, 9, 16, 25, 36]);
    const it = pool.imap("poison", [1]);
    await assert.rejects(it.next(), RemoteError);
    assert.deepEqual(await it.next(), { done: true, value: undefined });
    assert.deepEqual(await pool.starmap("add", [[1, 2], [3, 4]]), [3, 7]);
    await node.stop();
  },
);

clusterTest(
  "ClusterPool refuses a function the nodes do not export, or whose source differs",
  async () => {
    await using server = await RedisServer.start();
    await using node = await NodeProcess.start(server.url);
    await using pool = await ClusterPool.connect({
      redis: server.url,
      maxAttempts: 1,
    });
    const missing = await pool.apply("nope", []).catch((e) => e);
    assert.ok(missing instanceof RemoteError);
    assert.match(missing.message, /does not export a function of that name/);
    function square(x: number): number {
      return x * x * 1; // same name, other code
    }
    const other = await pool.apply(square, [2]).catch((e) => e);
    assert.ok(other instanceof RemoteError);
    assert.match(other.message, /other source code/);
    const unsendable = await pool.apply("unsendable", []).catch((e) => e);
    assert.ok(unsendable instanceof RemoteError);
    assert.equal(unsendable.remoteName, "TypeError");
    await node.stop();
  },
);

clusterTest(
  "ClusterPool.apply() times out without nodes and deletes its entry; terminate() rejects the rest",
  async () => {
    await using server = await RedisServer.start();
    const raw = await rawClient(server.url);
    try {
      const pool = await ClusterPool.connect({ redis: server.url });
      await assert.rejects(pool.apply(square, [2], { timeout: 50 }), {
        name: "TimeoutError",
      });
      const controller = new AbortController();
      const aborted = pool.map(square, [1, 2, 3], {
        signal: controller.signal,
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      controller.abort(new Error("changed my mind"));
      await assert.rejects(aborted, { message: "changed my mind" });
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(await raw.xlen(TASKS), 0);
      const waiting = pool.apply(square, [3]).catch((e) => e);
      await pool.terminate();
      assert.ok(await waiting instanceof PoolClosedError);
      await assert.rejects(pool.apply(square, [4]), PoolClosedError);
    } finally {
      await closeRaw(raw);
    }
  },
);

clusterTest(
  "ClusterPool.connect() gives RedisConnectionError when Redis is down, and checks its options",
  async () => {
    const server = await RedisServer.start();
    const url = server.url;
    await server.stop();
    const error = await ClusterPool.connect({ redis: url }).catch((e) => e);
    assert.ok(error instanceof RedisConnectionError);
    assert.match(error.message, /ECONNREFUSED/);
    const hidden = await ClusterPool.connect({
      redis: url.replace("//", "//user:secret@"),
    })
      .catch((e) => e);
    assert.ok(!hidden.message.includes("secret"));
    await assert.rejects(ClusterPool.connect({ maxAttempts: 0 }), RangeError);
    await assert.rejects(ClusterPool.connect({ name: "" }), TypeError);
    await assert.rejects(ClusterPool.connect({ redis: "http://x" }), TypeError);
  },
);
