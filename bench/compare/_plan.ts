// The comparison plan: which workloads (rows) exist, which metric each
// reports, and which command measures it for ours and for every peer.
// Only this file knows script names and sizes; run.ts executes the plan.

/** One measured quantity of a row, as printed by the scripts' RESULT line. */
export interface Metric {
  key: string;
  label: string;
  lowerIsBetter: boolean;
}

/** One implementation measured on a row: a command, or a note why not. */
export interface Entry {
  id: string;
  label: string;
  /** The command to run once per round; absent when `note` says why not. */
  cmd?: string[];
  note?: string;
  /** Maps a row metric key to the key this script prints, when they differ. */
  keys?: Record<string, string>;
}

/** One workload. Its first entry is always ours (id `"ours"`). */
export interface Row {
  id: string;
  title: string;
  metrics: Metric[];
  entries: Entry[];
}

/** What the machine offers, found by run.ts before planning. */
export interface Env {
  deno: string;
  denoVersion: string;
  node?: string;
  python?: string;
  /** Installed peer packages by name → version. */
  peers: Record<string, string>;
  /** Whether `ours/<row>.ts` exists (its module has landed). */
  ours: (row: string) => boolean;
  /** Multiplies every task count (default 1). */
  scale: number;
}

const dir = "bench/compare";
const rate = (label: string): Metric => ({
  key: "per_s",
  label,
  lowerIsBetter: false,
});

/** Builds the rows for `env`. */
export function plan(env: Env): Row[] {
  const n = (count: number): string =>
    `--n=${Math.max(1, Math.round(count * env.scale))}`;
  const deno = (file: string, ...args: string[]): string[] => [
    env.deno,
    "run",
    "--allow-all",
    `${dir}/${file}`,
    ...args,
  ];
  const ours = (row: string, ...args: string[]): Entry =>
    env.ours(row)
      ? {
        id: "ours",
        label: `@mp/multiprocessing · Deno ${env.denoVersion}`,
        cmd: deno(`ours/${row}.ts`, ...args),
      }
      : {
        id: "ours",
        label: "@mp/multiprocessing",
        note: "not yet available",
      };
  const raw = (row: string, what: string, ...args: string[]): Entry => ({
    id: "raw",
    label: `raw Deno: ${what}`,
    cmd: deno(`raw/${row}.ts`, ...args),
  });
  const npm = (row: string, args: string[], denoArgs = args): Entry[] =>
    ["piscina", "tinypool", "workerpool"].flatMap((lib) => {
      const version = env.peers[lib];
      const name = `${lib} ${version ?? ""}`.trim();
      if (version === undefined) {
        return [{ id: lib, label: name, note: "not installed (npm missing?)" }];
      }
      const script = `${dir}/node/${row}.mjs`;
      const node: Entry = env.node
        ? {
          id: `${lib}-node`,
          label: `${name} · Node ${env.node}`,
          cmd: ["node", script, `--lib=${lib}`, ...args],
        }
        : { id: `${lib}-node`, label: `${name} · Node`, note: "no node" };
      const onDeno: Entry = {
        id: `${lib}-deno`,
        label: `${name} · Deno ${env.denoVersion}`,
        cmd: [
          env.deno,
          "run",
          "--allow-all",
          "--unstable-detect-cjs",
          script,
          `--lib=${lib}`,
          ...denoArgs,
        ],
      };
      return [node, onDeno];
    });
  const noNpm = (why: string): Entry[] => [
    { id: "npm", label: "piscina, tinypool, workerpool", note: why },
  ];
  const py = (row: string, how: string, ...args: string[]): Entry =>
    env.python
      ? {
        id: `python ${how}`,
        label: `Python ${env.python} multiprocessing: ${how}`,
        cmd: ["python3", `${dir}/python/${row}.py`, ...args],
      }
      : {
        id: `python ${how}`,
        label: "Python multiprocessing",
        note: "no python3",
      };

  return [
    {
      id: "start",
      title: "Pool start → first result (2 workers)",
      metrics: [{ key: "ms", label: "ms", lowerIsBetter: true }],
      entries: [
        ours("start"),
        raw("start", "one bare Web Worker"),
        ...npm("start", []),
        py("start", "fork"),
        py("start", "spawn", "--start-method=spawn"),
      ],
    },
    {
      id: "map",
      title: "100k tiny tasks via map, default chunking",
      metrics: [rate("tasks/s")],
      entries: [
        ours("map", n(100_000)),
        ...noNpm("no map(): see the one-by-one row"),
        py("map", "Pool.map", n(100_000)),
      ],
    },
    {
      id: "apply",
      title: "100k tiny tasks one by one, all submitted at once",
      metrics: [rate("tasks/s")],
      entries: [
        ours("apply", n(100_000)),
        ...npm("apply", [n(100_000)]),
        py("apply", "apply_async", n(100_000)),
        py("apply", "imap, chunksize 1", "--mode=imap1", n(100_000)),
      ],
    },
    {
      id: "latency",
      title: "Sequential round trip (await one tiny task at a time)",
      metrics: [
        { key: "p50_us", label: "p50 µs", lowerIsBetter: true },
        { key: "p99_us", label: "p99 µs", lowerIsBetter: true },
      ],
      entries: [
        ours("latency", n(5_000)),
        raw("latency", "postMessage round trip", n(5_000)),
        ...npm("latency", [n(5_000)]),
        py("latency", "Pool.apply", n(5_000)),
      ],
    },
    {
      id: "cpu",
      title: "2,000 × ~1 ms CPU tasks on 2 workers: speed-up over serial",
      metrics: [{ key: "speedup", label: "× serial", lowerIsBetter: false }],
      entries: [
        ours("cpu", n(2_000)),
        ...npm("cpu", [n(2_000)]),
        py("cpu", "Pool.map", n(2_000)),
        py("cpu", "imap, chunksize 1", "--mode=imap1", n(2_000)),
      ],
    },
    {
      id: "echo",
      title: "100 KiB Uint8Array echo, 2 workers (copied; move(): moved)",
      metrics: [rate("echoes/s")],
      entries: [
        ours("echo", n(2_000)),
        {
          ...ours("echo", n(2_000), "--move=1"),
          id: "ours-move",
          label: `@mp/multiprocessing · Deno ${env.denoVersion}: move()`,
        },
        raw("echo", "postMessage to 2 Workers", n(2_000)),
        ...npm("echo", [n(2_000)], [n(200)]),
        py("echo", "Pool.map (bytes)", n(2_000)),
      ],
    },
    {
      id: "queue_stream",
      title: "Queue: one producer worker → main, small ints",
      metrics: [rate("items/s")],
      entries: [
        ours("queue_stream", n(100_000)),
        raw("queue_stream", "postMessage stream", n(100_000)),
        ...noNpm("no queue"),
        py("queue_stream", "Queue + Process", n(100_000)),
      ],
    },
    {
      id: "pipe",
      title: "Pipe round trips (a worker echoes)",
      metrics: [
        rate("round trips/s"),
        { key: "p50_us", label: "p50 µs", lowerIsBetter: true },
      ],
      entries: [
        ours("pipe", n(10_000)),
        raw("latency", "postMessage round trip", n(10_000)),
        ...noNpm("no pipe"),
        py("pipe", "Pipe + Process", n(10_000)),
      ],
    },
    {
      id: "pipe_workers",
      title: "Pipe round trips between two workers (one pings, one echoes)",
      metrics: [
        rate("round trips/s"),
        { key: "p50_us", label: "p50 µs", lowerIsBetter: true },
      ],
      entries: [
        ours("pipe", n(10_000), "--workers=1"),
        {
          ...ours("pipe", n(10_000), "--workers=1", "--sync=1"),
          id: "ours-sync",
          label:
            `@mp/multiprocessing · Deno ${env.denoVersion}: sendSync/recvSync`,
        },
        ...noNpm("no pipe"),
        py("pipe", "Pipe + 2 Processes", "--mode=children", n(10_000)),
      ],
    },
    {
      id: "counter",
      title: "Locked counter: 2 workers each add 1 under the lock",
      metrics: [rate("increments/s")],
      entries: [
        ours("counter", n(200_000)),
        {
          ...ours("counter", n(200_000), "--finally=1"),
          id: "ours-finally",
          label:
            `@mp/multiprocessing · Deno ${env.denoVersion}: acquireSync + finally`,
        },
        ...noNpm("no shared lock"),
        py("counter", "Value('i') + get_lock()", n(200_000)),
      ],
    },
    {
      id: "manager",
      title: "Manager dict set/get from a worker",
      metrics: [rate("ops/s")],
      entries: [
        ours("manager", n(10_000)),
        ...noNpm("no manager"),
        py("manager", "Manager().dict()", n(10_000)),
      ],
    },
    {
      id: "memory",
      title: "Idle memory per worker (4 started, idle workers)",
      metrics: [{ key: "mib", label: "MiB", lowerIsBetter: true }],
      entries: [
        ours("memory"),
        raw("memory", "bare Web Worker"),
        ...npm("memory", []),
        { ...py("memory", "fork, RSS"), keys: { mib: "rss_mib" } },
        { ...py("memory", "fork, unique (USS)"), keys: { mib: "uss_mib" } },
      ],
    },
  ];
}
