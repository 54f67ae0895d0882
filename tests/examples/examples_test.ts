// Runs every program in examples/ as a user would: `deno run` with exactly
// the flags its header's `Run:` line gives (the README says the same), then
// checks its output: exactly where it is deterministic, and by its shape
// (sorted lines, blocks, per-producer order) where children race.
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);
const EXAMPLES = new URL("examples/", ROOT);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  lines: string[];
}

/** The flags of the header line `// Run: deno run <flags> examples/<file>`. */
async function flagsOf(file: string): Promise<string[]> {
  const source = await Deno.readTextFile(new URL(file, EXAMPLES));
  const match = source.match(/^\/\/ Run: deno run (.*?)\s*examples\/(\S+)$/m);
  assert.ok(match, `${file} has no "// Run: deno run … examples/…" line`);
  assert.equal(match[2], file, `${file}'s Run: line names another file`);
  return match[1]!.split(/\s+/).filter((flag) => flag !== "");
}

async function run(file: string, env: Record<string, string> = {}) {
  const flags = await flagsOf(file);
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, `examples/${file}`],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(180_000),
  }).output();
  const decoder = new TextDecoder();
  const stdout = decoder.decode(output.stdout);
  const result: Run = {
    code: output.code,
    stdout,
    stderr: decoder.decode(output.stderr),
    lines: stdout.split("\n").filter((line) => line !== ""),
  };
  assert.equal(
    result.code,
    0,
    `${file} exited with ${result.code}\n--- stdout\n${stdout}\n--- stderr\n${result.stderr}`,
  );
  assert.equal(result.stderr, "", `${file} wrote to stderr`);
  return result;
}

const sorted = (lines: string[]): string[] => [...lines].sort();
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** What each example must print. Every file in examples/ needs an entry. */
const EXPECT: Record<string, (out: Run) => void> = {
  "process_start.ts": ({ lines }) => {
    assert.deepEqual(
      sorted(lines),
      ["main process stop", "say hi 0", "say hi 1", "say hi 2"],
    );
  },
  "process_basics.ts": ({ lines }) => {
    assert.deepEqual(
      sorted(lines),
      [
        ...range(5).map((i) => `Process-${i + 1} exited with code 0`),
        ...range(5).map((i) => `Worker ${i}`),
      ],
    );
  },
  "data_not_shared.ts": ({ stdout }) => {
    assert.equal(stdout, "child: [ 666 ]\nmain process: []\n");
  },
  "data_not_shared_global.ts": ({ lines }) => {
    assert.equal(lines.at(-1), "parent li: []");
    assert.deepEqual(
      sorted(lines.slice(0, -1)),
      [
        "[ 0 ] say hi 0",
        "[ 1 ] say hi 1",
        "[ 2 ] say hi 2",
        "main process stop",
      ],
    );
  },
  "shared_value_array.ts": ({ stdout }) => {
    assert.equal(
      stdout,
      "3.1415927\n[0, -1, -2, -3, -4, -5, -6, -7, -8, -9]\n",
    );
  },
  "shared_array_process.ts": ({ lines }) => {
    assert.equal(lines.at(-1), "after join: [11, 101, 102, 103, 55]");
    assert.ok(lines.includes("main process stop"));
    const seen = lines.filter((line) => line.startsWith("process "));
    assert.equal(seen.length, 3);
    for (const line of seen) {
      const match = line.match(/^process (\d) ---------> \[(.*)\]$/);
      assert.ok(match, line);
      const i = Number(match[1]);
      const items = match[2]!.split(", ").map(Number);
      assert.equal(items[i], 100 + i, `process ${i} sees its own write`);
    }
  },
  "rlock_shared_array.ts": ({ lines }) => {
    assert.equal(lines.length, 40);
    const holders: number[] = [];
    for (let b = 0; b < 40; b += 4) {
      const i = Number(lines[b]!.split(" ")[0]);
      holders.push(i);
      // The lock keeps each child's four lines together and its write intact.
      assert.deepEqual(lines.slice(b, b + 4), [
        `${i} -----> ${100 + i}`,
        `${i} -----> 22`,
        `${i} -----> 33`,
        `${i} -----> 44`,
      ]);
    }
    assert.deepEqual(holders.sort((a, b) => a - b), range(10));
  },
  "lock_shared_value.ts": ({ stdout }) => {
    assert.equal(
      stdout,
      "Worker acquired lock\nWorker updated value: 1\n" +
        "Worker acquired lock\nWorker updated value: 2\nfinal value: 2\n",
    );
  },
  "pipe_sender_receiver.ts": ({ stdout }) => {
    assert.equal(stdout, "Receiver received message: Hello from sender\n");
  },
  "pipe_send.ts": ({ stdout }) => {
    assert.equal(
      stdout,
      '[ "沐风", 666, "精易" ]\nmain process received: [ "沐风", 666, "精易" ]\n' +
        "send(666) failed: Cannot send() on Connection as the other end closed\n",
    );
  },
  "queue_producer_consumer.ts": ({ lines }) => {
    assert.equal(lines.length, 11);
    assert.deepEqual(
      lines.filter((line) => line.startsWith("Producer")),
      range(5).map((i) => `Producer put ${i}`),
    );
    assert.deepEqual(
      lines.filter((line) => line.startsWith("Consumer")),
      [
        ...range(5).map((i) => `Consumer got ${i}`),
        "Consumer done: the queue is closed and empty",
      ],
    );
  },
  "queue_sentinel.ts": ({ stdout }) => {
    assert.equal(stdout, range(5).map((i) => `Consumed ${i}\n`).join(""));
  },
  "queue_parent_puts.ts": ({ lines }) => {
    assert.equal(lines.length, 4);
    assert.equal(lines[3], "left in the queue: 0");
    const got = lines.slice(0, 3).map((line) => line.split(" "));
    assert.deepEqual(sorted(got.map(([i]) => i!)), ["0", "1", "2"]);
    assert.deepEqual(sorted(got.map(([, item]) => item!)), ["h1", "h2", "h3"]);
  },
  "queue_put_get.ts": ({ stdout }) => {
    assert.equal(stdout, '[ "沐风", 666, "精易" ]\n');
  },
  "manager_dict_list.ts": ({ stdout }) => {
    assert.equal(
      stdout,
      'Map(3) { 1 => "1", "2" => 2, 0.25 => null }\n[9, 8, 7, 6, 5, 4, 3, 2, 1, 0]\n',
    );
  },
  "manager_dict_processes.ts": ({ stdout }) => {
    assert.equal(
      stdout,
      range(10).map((i) => `[${Array(i + 1).fill(101).join(", ")}]\n`).join(
        "",
      ) + "main process stop\n",
    );
  },
  "pool_map.ts": ({ lines }) => {
    assert.deepEqual(
      sorted(lines),
      sorted(range(10).map((i) => `Worker ${i} is starting`)),
    );
  },
  "pool_map_square.ts": ({ stdout }) => {
    assert.equal(stdout, "[0, 1, 4, 9, 16, 25, 36, 49, 64, 81]\n");
  },
  "pool_shared_value.ts": ({ lines }) => {
    assert.equal(lines.length, 4);
    assert.equal(lines[0], "4");
    // How many increments the race loses depends on timing: none to most.
    const unlocked = lines[1]!.match(/^addUnlocked: (\d+) of 400000$/);
    assert.ok(unlocked, lines[1]);
    assert.ok(Number(unlocked[1]) <= 400000);
    assert.equal(lines[2], "addLocked: 400000 of 400000");
    assert.equal(lines[3], "addAtomic: 400000 of 400000");
  },
  "pool_shared_array.ts": ({ stdout }) => {
    assert.equal(stdout, "[4, 5, 6, 7]\n");
  },
  "pool_lock_starmap.ts": ({ lines }) => {
    assert.equal(lines.length, 8);
    const holders: number[] = [];
    for (let p = 0; p < 8; p += 2) {
      const i = Number(lines[p]!.match(/^Worker (\d) is starting$/)?.[1]);
      holders.push(i);
      assert.equal(lines[p + 1], `Worker ${i} is done`, "the lock held");
    }
    assert.deepEqual(holders.sort(), [0, 1, 2, 3]);
  },
  "pool_apply_async.ts": ({ lines }) => {
    assert.match(lines[0]!, /^too early: .*not ready/);
    assert.equal(lines.at(-1), "successful");
    const body = lines.slice(1, -1);
    assert.equal(body.length, 27);
    for (let x = 11; x < 20; x++) {
      assert.deepEqual(
        body.filter((line) => line.endsWith(`>${x}`)),
        [0, 1, 2].map((i) => `${i}---------->${x}`),
      );
    }
  },
  "pool_apply.ts": ({ stdout }) => {
    const task = (i: number) => `msg: hello ${i}\n`.repeat(3) + "end\n";
    assert.equal(stdout, range(4).map(task).join("") + "successful\n");
  },
  "cpu_speedup.ts": ({ lines }) => {
    assert.equal(lines.length, 5);
    assert.equal(lines[0], "primes below 2,000,000: 148933");
    assert.equal(lines[1], "pool agrees: true");
    assert.match(lines[2]!, /^serial on the main thread: \d+ ms$/);
    assert.match(lines[3]!, /^pool of \d+ workers: \d+ ms$/);
    assert.match(lines[4]!, /^speed-up: \d+\.\d\dx$/);
  },
  "pool_failures.ts": ({ stdout }) => {
    assert.equal(
      stdout,
      [
        "RemoteError: Cannot divide 1 by zero",
        "  remote class: RangeError",
        "  cause is a RangeError: true",
        "WorkerExitError: exit code 3",
        "a replacement serves on: 6 / 3 = 2",
        "timed out: TimeoutError",
        "starmap rejected: Cannot divide 1 by zero",
        "successful: true, false, true",
        "",
      ].join("\n"),
    );
  },
  "pool_backends.ts": ({ stdout }) => {
    assert.equal(
      stdout,
      [
        "worker: [1, 4, 9]",
        "subprocess: [1, 4, 9]",
        "inline: [1, 4, 9]",
        "subprocess, stuck task: TimeoutError, the child was killed",
        "subprocess, next task: 49",
        "subprocess, SharedValue argument: TypeError",
        "subprocess without permissions: NotCapable",
        "worker, SharedValue after three bumps: 3",
        "",
      ].join("\n"),
    );
  },
};

Deno.test("examples/: every example has a Run: line and an expectation here", async () => {
  const files: string[] = [];
  for await (const entry of Deno.readDir(EXAMPLES)) {
    if (entry.isFile && entry.name.endsWith(".ts")) files.push(entry.name);
  }
  const untested = files.filter((f) => f !== "tour.ts" && !(f in EXPECT));
  assert.deepEqual(untested, [], "examples without an expectation");
  for (const file of files) await flagsOf(file);
});

for (const [file, check] of Object.entries(EXPECT)) {
  Deno.test({
    name: `examples/${file} runs and prints what it shows`,
    sanitizeOps: true,
    sanitizeResources: true,
    async fn() {
      check(await run(file));
    },
  });
}

Deno.test({
  name: "examples/tour.ts runs every stop, quiet progress when not a TTY",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const { stdout, lines } = await run("tour.ts");
    assert.ok(!stdout.includes("\r"), "no progress bar without a terminal");
    const stops = lines.filter((line) => /^\d+\. /.test(line));
    assert.equal(stops.length, 14);
    const commands = lines.filter((line) => line.startsWith("$ deno run "));
    assert.equal(commands.length, 13);
    assert.ok(
      lines.includes("  | Receiver received message: Hello from sender"),
    );
    assert.match(
      stdout,
      /imap yielded 1000 results in input order on \d+ workers/,
    );
  },
});
