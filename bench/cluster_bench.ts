// Benchmarks of cluster/: tasks per second through a ClusterPool served by
// 1, 2 and 3 worker-node processes on this machine (each running a local
// Pool of 1 worker), against the local Pool (baseline) in the same run:
// - map of 2,000 tiny items, default chunk size (ceil(n / 32) = 63);
// - map of 500 tiny items, one item per task entry (per-entry overhead);
// - one apply() round trip (baseline: the same Redis Stream round trip with
//   bare commands), with a raw PING and a local Pool apply for scale.
// Divide the items by the time per iteration for items per second; the
// per-task overhead is (cluster − local) / items.
//
// Needs redis-server on PATH; it starts its own on a free port and stops it
// (and the nodes) when the run ends.
import { Redis } from "ioredis";
import { ClusterPool } from "../cluster/mod.ts";
import { Pool } from "../pool/mod.ts";
import { square } from "../tests/fixtures/cluster_tasks.ts";
import { REDIS_SERVER, RedisServer } from "../tests/cluster/_redis_server.ts";

const MAP_ITEMS = 2_000;
const ENTRY_ITEMS = 500;
const RUNS = 20;
const WARMUP = 3;

const tasks = new URL("../tests/fixtures/cluster_tasks.ts", import.meta.url);
const worker = new URL("../cluster/worker.ts", import.meta.url);

const children: Deno.ChildProcess[] = [];
let redis: RedisServer | undefined;
globalThis.addEventListener("unload", () => {
  void redis?.stop(); // kills at once; the exit does not wait for it
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }
});

async function startNode(url: string, name: string): Promise<void> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      worker.pathname,
      "--redis",
      url,
      "--module",
      tasks.pathname,
      "--name",
      name,
      "--processes",
      "1",
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  children.push(child);
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("ready")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`worker node exited: ${text}`);
    text += value;
  }
  void (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
}

if (REDIS_SERVER === undefined) {
  console.log("NOTICE: cluster benchmarks skipped: no redis-server found");
} else {
  redis = await RedisServer.start();
  const url = redis.url;
  const starts: Promise<void>[] = [];
  for (const [name, count] of [["n1", 1], ["n2", 2], ["n3", 3]] as const) {
    for (let i = 0; i < count; i++) starts.push(startNode(url, name));
  }
  await Promise.all(starts);
  const pools = {
    n1: await ClusterPool.connect({ redis: url, name: "n1" }),
    n2: await ClusterPool.connect({ redis: url, name: "n2" }),
    n3: await ClusterPool.connect({ redis: url, name: "n3" }),
  };
  const local = new Pool({ processes: 1, module: tasks });
  const raw = new Redis(url);
  const xs = Array.from({ length: MAP_ITEMS }, (_, i) => i);
  const ys = xs.slice(0, ENTRY_ITEMS);
  const opts = { n: RUNS, warmup: WARMUP };

  Deno.bench(`local Pool (1 worker): map ${MAP_ITEMS} items`, {
    ...opts,
    group: "map",
    baseline: true,
  }, async () => {
    await local.map(square, xs);
  });
  for (const [name, n] of [["n1", 1], ["n2", 2], ["n3", 3]] as const) {
    Deno.bench(`ClusterPool, ${n} node(s): map ${MAP_ITEMS} items`, {
      ...opts,
      group: "map",
    }, async () => {
      await pools[name].map(square, xs);
    });
  }

  Deno.bench(`local Pool (1 worker): map ${ENTRY_ITEMS} items, chunksize 1`, {
    ...opts,
    group: "map chunksize 1",
    baseline: true,
  }, async () => {
    await local.map(square, ys, { chunksize: 1 });
  });
  for (const [name, n] of [["n1", 1], ["n2", 2], ["n3", 3]] as const) {
    Deno.bench(
      `ClusterPool, ${n} node(s): map ${ENTRY_ITEMS} items, chunksize 1`,
      {
        ...opts,
        group: "map chunksize 1",
      },
      async () => {
        await pools[name].map(square, ys, { chunksize: 1 });
      },
    );
  }

  Deno.bench("raw Redis PING round trip", { group: "apply" }, async () => {
    await raw.ping();
  });
  // The floor of one task: the same stream round trip with bare commands
  // (a second pair of connections plays the node, in this process).
  const echo = new Redis(url);
  const echoRead = new Redis(url);
  const rawRead = new Redis(url);
  await echo.xgroup("CREATE", "raw:t", "g", "0", "MKSTREAM");
  void (async () => {
    for (;;) {
      const rep = await echoRead.xreadgroup(
        "GROUP",
        "g",
        "n",
        "COUNT",
        10,
        "BLOCK",
        0,
        "STREAMS",
        "raw:t",
        ">",
      ).catch(() => null) as [string, [string, string[]][]][] | null;
      if (rep === null) return;
      for (const [, entries] of rep) {
        for (const [id, fields] of entries) {
          await echo.multi().xadd("raw:r", "*", "p", fields[1]!)
            .xack("raw:t", "g", id).xdel("raw:t", id).exec();
        }
      }
    }
  })();
  let rawLast = "0";
  Deno.bench("raw Redis Stream round trip (XADD, XREADGROUP, MULTI, XREAD)", {
    group: "apply",
    baseline: true,
  }, async () => {
    await raw.xadd("raw:t", "*", "p", "3");
    const rep = await rawRead.xread(
      "BLOCK",
      0,
      "STREAMS",
      "raw:r",
      rawLast,
    ) as [
      string,
      [string, string[]][],
    ][];
    rawLast = rep[0]![1].at(-1)![0];
  });
  Deno.bench("local Pool (1 worker): apply", { group: "apply" }, async () => {
    await local.apply(square, [3]);
  });
  Deno.bench("ClusterPool, 1 node: apply", { group: "apply" }, async () => {
    await pools.n1.apply(square, [3]);
  });
}
