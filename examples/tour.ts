// A guided tour of @mp/multiprocessing: `deno task demo`.
//
// Run: deno run --allow-read --allow-run examples/tour.ts
//
// Each stop runs one of the example programs in this folder as its own
// `deno run`, with the flags its header names (printed before it runs), and
// shows its output. The last stop runs here: a pool's `imap` over a long
// input with a progress bar (drawn only when stdout is a terminal).
//
// Permissions: --allow-read (workers load their module from a file: URL;
// the tour reads the examples' headers), --allow-run (to start each example
// with the same deno binary: Deno.execPath()).
import { Pool } from "@mp/multiprocessing/pool";

interface Stop {
  title: string;
  about: string;
  file: string;
}

const STOPS: Stop[] = [
  {
    title: "Processes",
    about:
      "A Process runs an exported function of this module in a child (a Web Worker).\n" +
      "`if (import.meta.main)` is Python's `if __name__ == '__main__'`.",
    file: "process_basics.ts",
  },
  {
    title: "Data is copied, not shared",
    about:
      "Arguments cross by copy: a plain array a child appends to stays empty in the parent.",
    file: "data_not_shared.ts",
  },
  {
    title: "Shared memory: SharedValue and SharedArray",
    about:
      "Python's Value and Array: the child writes the parent's memory directly.",
    file: "shared_value_array.ts",
  },
  {
    title: "Pool.map",
    about:
      "A pool spreads calls over its workers; results come back in input order.",
    file: "pool_map_square.ts",
  },
  {
    title: "Why `+=` needs the lock",
    about:
      "`v.value += 1` is a read then a write: concurrent workers lose increments.\n" +
      "Hold `v.getLock()` around it, or use `v.add(1)`, one atomic step.",
    file: "pool_shared_value.ts",
  },
  {
    title: "Lock contention with starmap",
    about: "Four tasks share one Lock: each one's two lines stay together.",
    file: "pool_lock_starmap.ts",
  },
  {
    title: "applyAsync, close, join, successful",
    about:
      "applyAsync returns at once; close() takes no more work, join() waits for it.",
    file: "pool_apply_async.ts",
  },
  {
    title: "When tasks fail",
    about:
      "Every task settles: RemoteError for a throw, WorkerExitError for a dead\n" +
      "worker (a replacement serves on), TimeoutError past a timeout.",
    file: "pool_failures.ts",
  },
  {
    title: "Three backends",
    about:
      "Workers (fast, shared memory), subprocesses (killable, fewer permissions)\n" +
      "and inline (multiprocessing.dummy): the same Pool API on each.",
    file: "pool_backends.ts",
  },
  {
    title: "Pipe",
    about: "Two connected ends: one child sends, the other receives.",
    file: "pipe_sender_receiver.ts",
  },
  {
    title: "Queue with a sentinel",
    about:
      "A producer puts five items and then `null`; the consumer stops at it.",
    file: "queue_sentinel.ts",
  },
  {
    title: "Manager dict and list",
    about:
      "A server of shared objects on 127.0.0.1; proxies work from any child.\n" +
      "Keys keep their types: 1, '2' and 0.25 are three keys.",
    file: "manager_dict_list.ts",
  },
  {
    title: "CPU-bound speed-up",
    about:
      "The main thread uses one core; a pool uses them all (timings vary with load).",
    file: "cpu_speedup.ts",
  },
];

const EXAMPLES = new URL("./", import.meta.url);
const ROOT = new URL("../", import.meta.url);

/** The flags of an example's `// Run: deno run <flags> examples/<file>` line. */
async function flagsOf(file: string): Promise<string[]> {
  const source = await Deno.readTextFile(new URL(file, EXAMPLES));
  const line = source.match(/^\/\/ Run: deno run (.*?)\s*examples\//m);
  if (line === null) throw new Error(`No "Run:" line in examples/${file}`);
  return line[1]!.split(/\s+/).filter((flag) => flag !== "");
}

/** Runs one example, printing its output indented as it arrives. */
async function runExample(file: string): Promise<void> {
  const flags = await flagsOf(file);
  console.log(`$ deno run ${flags.join(" ")} examples/${file}`);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, `examples/${file}`],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let pending = "";
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop()!;
    for (const line of lines) console.log(`  | ${line}`);
  }
  if (pending !== "") console.log(`  | ${pending}`);
  const status = await child.status;
  if (!status.success) {
    throw new Error(`examples/${file} failed with exit code ${status.code}`);
  }
}

/** The task of the last stop: a few milliseconds of CPU per item. */
export function collatzSteps(start: number): number {
  let steps = 0;
  for (let round = 0; round < 2_000; round++) {
    let n = start + round;
    while (n !== 1) {
      n = n % 2 === 0 ? n / 2 : 3 * n + 1;
      steps++;
    }
  }
  return steps;
}

/** Streams a long imap, with a progress bar on a terminal only. */
async function imapWithProgress(): Promise<void> {
  const total = 1_000;
  const tty = Deno.stdout.isTerminal();
  const encoder = new TextEncoder();
  const draw = (done: number) => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    const bar = "#".repeat(filled) + ".".repeat(width - filled);
    const percent = String(Math.round((done / total) * 100)).padStart(3);
    Deno.stdout.writeSync(
      encoder.encode(`\r  [${bar}] ${percent}% ${done}/${total}`),
    );
  };
  console.log(`$ pool.imap(collatzSteps, 1..${total})`);
  const startedAt = performance.now();
  await using pool = new Pool();
  let done = 0;
  let sum = 0;
  let drawn = -1; // the percentage on screen: redraw only when it changes
  const inputs = Array.from({ length: total }, (_, i) => i + 1);
  for await (const steps of pool.imap(collatzSteps, inputs)) {
    sum += steps;
    done++;
    const percent = Math.floor((done / total) * 100);
    if (tty && percent !== drawn) {
      draw(done);
      drawn = percent;
    }
  }
  if (tty) Deno.stdout.writeSync(encoder.encode("\n"));
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  console.log(
    `  imap yielded ${done} results in input order on ${pool.processes} workers ` +
      `(${seconds} s); total steps: ${sum}`,
  );
}

if (import.meta.main) {
  if (Deno.permissions.querySync({ name: "run" }).state !== "granted") {
    console.error(
      "The tour starts each example with `deno run`: run it with `deno task demo`\n" +
        "or `deno run --allow-read --allow-run examples/tour.ts`.",
    );
    Deno.exit(2);
  }
  console.log(
    "@mp/multiprocessing: a tour of Python's multiprocessing in Deno\n",
  );
  for (const [n, stop] of STOPS.entries()) {
    console.log(`${n + 1}. ${stop.title}`);
    console.log(`${stop.about}\n`);
    await runExample(stop.file);
    console.log();
  }
  console.log(`${STOPS.length + 1}. A long imap with a progress bar`);
  console.log(
    "imap yields results in order as they complete, with bounded work in flight.\n",
  );
  await imapWithProgress();
  console.log(
    "\nEvery example is in examples/ (run each with the command in its header);" +
      "\nthe README maps each Python API to its TypeScript form.",
  );
}
