import assert from "node:assert/strict";
import {
  Pool,
  Process,
  RemoteError,
  WorkerExitError,
} from "@mp/multiprocessing/pool";
import { Manager } from "@mp/multiprocessing/ipc";
import { SharedValue } from "@mp/multiprocessing/shared";
import { FrameDecoder, HEADER_SIZE, writeHeader } from "../../ipc/_wire.ts";
import {
  CLAIM,
  decodeChildMessage,
  decodeClaim,
  encodeMessage,
  MESSAGE,
  STDOUT,
} from "../../pool/_subprocess_protocol.ts";
import { test } from "../_leak_check.ts";
import { pid as childPid } from "../fixtures/subprocess_tasks.ts";
import { setInDict } from "../fixtures/subprocess_manager_tasks.ts";

const module = new URL("../fixtures/subprocess_tasks.ts", import.meta.url);
const probe = new URL("../fixtures/subprocess_read_probe.ts", import.meta.url);
const parentScript = new URL(
  "../fixtures/subprocess_parent.ts",
  import.meta.url,
);

/** Runs the fixture parent script to its end and returns its output. */
async function runParent(
  task: string,
  args: unknown[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", parentScript.href, task, JSON.stringify(args)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
}

/** Whether process `pid` is gone (or a zombie nobody has reaped yet). */
async function isGone(pid: number): Promise<boolean> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return true;
    throw error;
  }
}

async function eventually(
  condition: () => Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`Timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test("Process on subprocess: runs the target in another OS process", async () => {
  const child = new Process({
    target: "square",
    args: [3],
    module,
    backend: "subprocess",
  });
  await child.start();
  assert.equal(typeof child.pid, "number");
  assert.notEqual(child.pid, Deno.pid);
  assert.equal(await child.join(), 0);
  assert.equal(child.exitCode, 0);
});

test("Process on subprocess: a throwing target exits 1 with the remote error", async () => {
  const child = new Process({
    target: "fail",
    args: ["bad input"],
    module,
    backend: "subprocess",
  });
  await child.start();
  assert.equal(await child.join(), 1);
  assert.equal(child.error?.remoteName, "RangeError");
  assert.equal(child.error?.message, "bad input");
  assert.match(
    child.error?.remoteStack ?? "",
    /at fail .*subprocess_tasks\.ts/,
  );
});

test("Process on subprocess: Deno.exit(code) in the target is the exit code", async () => {
  const child = new Process({
    target: "exitWith",
    args: [7],
    module,
    backend: "subprocess",
  });
  await child.start();
  assert.equal(await child.join(), 7);
});

test("Process.kill() on subprocess stops a child spinning in synchronous code", async () => {
  const child = new Process({
    target: "spinForever",
    module,
    backend: "subprocess",
  });
  await child.start();
  const pid = child.pid!;
  child.kill();
  assert.equal(await child.join(), -9);
  await eventually(() => isGone(pid), `child ${pid} to be gone`);
});

test("Process.terminate() on subprocess sends SIGTERM: exit code -15", async () => {
  const child = new Process({
    target: "spinForever",
    module,
    backend: "subprocess",
  });
  await child.start();
  child.terminate();
  child.terminate(); // twice is a no-op
  assert.equal(await child.join(), -15);
});

test("Process on subprocess: permissions really scope the child", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const inside = `${dir}/inside.txt`;
    await Deno.writeTextFile(inside, "x");
    const run = async (
      permissions: "none" | "inherit" | { read: string[] },
      path: string,
    ) => {
      // tryRead() returns the outcome; as a Process target, a NotCapable is
      // turned into a thrown error by readOrThrow().
      const child = new Process({
        target: "readOrThrow",
        args: [path],
        module: probe,
        backend: "subprocess",
        permissions,
      });
      await child.start();
      const code = await child.join();
      return code === 0 ? "ok" : child.error?.remoteName;
    };
    assert.equal(await run({ read: [dir] }, inside), "ok");
    assert.equal(await run({ read: [dir] }, "/etc/hostname"), "NotCapable");
    assert.equal(await run("none", inside), "NotCapable");
    assert.equal(await run("inherit", inside), "ok");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "Process on subprocess: asking for more than the parent holds is refused",
  permissions: { read: true, run: true, env: true },
  fn() {
    assert.throws(
      () =>
        new Process({
          target: "square",
          module,
          backend: "subprocess",
          permissions: { net: true },
        }),
      (error: Error) =>
        error instanceof Deno.errors.NotCapable &&
        /Cannot grant "net" to a child/.test(error.message),
    );
  },
});

test("Process on subprocess: shared memory in args is a TypeError naming it", async () => {
  const child = new Process({
    target: "square",
    args: [new SharedValue("i", 1) as unknown as number],
    module,
    backend: "subprocess",
  });
  await assert.rejects(child.start(), (error: Error) => {
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /Cannot send args\[0\] to another process/);
    assert.match(error.message, /SharedValue/);
    assert.match(error.message, /Manager proxy/);
    return true;
  });
});

test("Process on subprocess: the child's console output reaches the parent's stdout and stderr", async () => {
  const { code, stdout, stderr } = await runParent("chatty", [5]);
  assert.equal(code, 0, stderr);
  // The child may print before the parent prints its pid.
  const lines = stdout.trimEnd().split("\n");
  assert.deepEqual(lines.filter((line) => !line.startsWith("pid ")), [
    "out 5",
    "exit 0",
  ]);
  assert.match(stderr, /err 5/);
});

test("Process on subprocess: Deno.stdout writes in the child are relayed, not mixed into frames", async () => {
  const { code, stdout, stderr } = await runParent("writeStdout", ["hi\n"]);
  assert.equal(code, 0, stderr);
  const lines = stdout.trimEnd().split("\n");
  assert.deepEqual(lines.filter((line) => !line.startsWith("pid ")), [
    "hi",
    "hi",
    "exit 0",
  ]);
});

test("Process on subprocess: a child that corrupts its frame channel is stopped, the parent lives", async () => {
  const child = new Process({
    target: "writeRawStdout",
    args: [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]],
    module,
    backend: "subprocess",
  });
  await child.start().catch(() => {});
  assert.equal(await child.join(), 1);
  assert.match(child.error?.message ?? "", /malformed frame/);
});

test("Process on subprocess: an orphan exits by itself when its parent is SIGKILLed", async (t) => {
  for (const task of ["spinForever", "sleepForever"]) {
    await t.step(task, async () => {
      const parent = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", parentScript.href, task],
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const reader = parent.stdout.pipeThrough(new TextDecoderStream())
        .getReader();
      let text = "";
      while (!text.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      const pid = Number(text.match(/^pid (\d+)/)?.[1]);
      assert.ok(pid > 0, `no child pid in ${JSON.stringify(text)}`);
      assert.equal(await isGone(pid), false);
      parent.kill("SIGKILL");
      await parent.status;
      await reader.cancel();
      await eventually(() => isGone(pid), `orphan ${pid} to exit`);
    });
  }
});

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("subprocess frames: random bytes never crash or hang the parent's decoders", () => {
  const next = random(0x5eed);
  const byte = () => Math.floor(next() * 256);
  const valid = encodeMessage({ t: "results", batch: [1, 0, 9, 0, 0] }, "m");
  for (let round = 0; round < 3000; round++) {
    let bytes: Uint8Array;
    const kind = round % 3;
    if (kind === 0) {
      // Pure noise.
      bytes = Uint8Array.from({ length: Math.floor(next() * 64) }, byte);
    } else if (kind === 1) {
      // A valid frame with some bytes flipped.
      bytes = valid.slice();
      for (let i = 0; i < 1 + Math.floor(next() * 4); i++) {
        bytes[Math.floor(next() * bytes.length)] = byte();
      }
    } else {
      // A well-formed header of a pool tag around a noise payload.
      const payload = Uint8Array.from(
        { length: Math.floor(next() * 40) },
        byte,
      );
      bytes = new Uint8Array(HEADER_SIZE + payload.length);
      writeHeader(
        bytes,
        0,
        [MESSAGE, CLAIM, STDOUT][round % 3]!,
        payload.length,
      );
      bytes.set(payload, HEADER_SIZE);
    }
    const decoder = new FrameDecoder({ maxFrameSize: 1 << 20 });
    try {
      // Fed in random pieces, as a pipe delivers them.
      let at = 0;
      while (at < bytes.length) {
        const end = Math.min(bytes.length, at + 1 + Math.floor(next() * 16));
        decoder.push(bytes.subarray(at, end));
        at = end;
        for (let f = decoder.next(); f !== undefined; f = decoder.next()) {
          if (f.tag === MESSAGE) decodeChildMessage(f.payload);
          else if (f.tag === CLAIM) decodeClaim(f.payload);
        }
      }
      decoder.end();
    } catch (error) {
      assert.ok(
        error instanceof TypeError || error instanceof RangeError,
        `round ${round}: ${error}`,
      );
      assert.match((error as Error).message, /^Cannot /, `round ${round}`);
    }
  }
});

Deno.test("subprocess frames: a child message of the wrong shape is refused", () => {
  const cases: unknown[] = [
    42,
    [],
    { t: "hello" },
    { t: "results", batch: [1, 2, 3] },
    { t: "results", batch: ["1", 0, 1, 0, 0] },
    { t: "exit", code: "0", phase: "done", error: null },
    { t: "exit", code: 0, phase: "done", error: 5 },
  ];
  for (const message of cases) {
    const frame = encodeMessage(message, "m");
    assert.throws(
      () => decodeChildMessage(frame.subarray(HEADER_SIZE)),
      /Cannot read a message from the child/,
    );
  }
  assert.throws(() => decodeClaim(new Uint8Array(3)), /must hold 4 bytes/);
});

test("Process on subprocess: a task module that cannot load rejects start() with the loader's error", async () => {
  const child = new Process({
    target: "square",
    module: new URL(
      "../fixtures/subprocess_missing_module.ts",
      import.meta.url,
    ),
    backend: "subprocess",
  });
  await assert.rejects(child.start(), (error: Error) => {
    assert.ok(error instanceof RemoteError);
    assert.match(error.message, /Module not found/);
    return true;
  });
  assert.equal(child.exitCode, 1);
});

test("Process on subprocess: memoryLimitMb caps the child's heap; an out-of-memory ends only the child", async () => {
  const child = new Process({
    target: "allocateForever",
    module,
    backend: "subprocess",
    memoryLimitMb: 64,
  });
  await child.start();
  const code = await child.join();
  assert.ok(code < 0, `exit code ${code}`); // killed by V8's fatal-error signal
  // The parent lives on and can start more children.
  const next = new Process({
    target: "square",
    args: [2],
    module,
    backend: "subprocess",
  });
  await next.start();
  assert.equal(await next.join(), 0);
});

Deno.test("Process: memoryLimitMb is checked, and refused off the subprocess backend", () => {
  const make = (memoryLimitMb: unknown, backend = "subprocess") =>
    new Process({
      target: "square",
      module,
      backend: backend as "subprocess",
      memoryLimitMb: memoryLimitMb as number,
    });
  assert.throws(() => make(0), RangeError);
  assert.throws(() => make(1.5), /must be a positive integer: received 1.5/);
  assert.throws(() => make("64"), /must be a number: received "64"/);
  assert.throws(
    () => make(64, "worker"),
    /only the "subprocess" backend can cap a child's heap: received backend "worker"/,
  );
});

test("Pool on subprocess: taskTimeout kills a child stuck in while (true) {} and replaces it", async () => {
  await using pool = new Pool({
    processes: 1,
    backend: "subprocess",
    module,
    taskTimeout: 100,
  });
  const first = await pool.apply(childPid, []);
  await assert.rejects(pool.apply("spinForever", []), { name: "TimeoutError" });
  await eventually(() => isGone(first), `stuck child ${first} to be killed`);
  const second = await pool.apply(childPid, []);
  assert.notEqual(second, first);
  assert.equal(await pool.apply("square", [7]), 49);
});

test("Pool on subprocess: an out-of-memory child rejects its task with WorkerExitError; the pool recovers", async () => {
  await using pool = new Pool({
    processes: 1,
    backend: "subprocess",
    module,
    memoryLimitMb: 64,
  });
  await assert.rejects(pool.apply("allocateForever", []), (error: Error) => {
    assert.ok(error instanceof WorkerExitError);
    assert.ok(error.exitCode < 0, `exit code ${error.exitCode}`);
    return true;
  });
  assert.equal(await pool.apply("square", [8]), 64);
});

test("Pool on subprocess: a child that dies mid-batch loses no task and runs none twice", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using pool = new Pool({
      processes: 2,
      backend: "subprocess",
      module,
    });
    const outcomes = await Promise.allSettled(
      Array.from(
        { length: 40 },
        (_, i) => pool.apply("markThenExitOn", [dir, i, 17]),
      ),
    );
    for (const [i, outcome] of outcomes.entries()) {
      if (i === 17) {
        assert.equal(outcome.status, "rejected");
        assert.ok(
          (outcome as PromiseRejectedResult).reason instanceof WorkerExitError,
        );
      } else {
        assert.deepEqual(outcome, { status: "fulfilled", value: i });
      }
      assert.equal(await Deno.readTextFile(`${dir}/${i}`), "x", `task ${i}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

test("Pool on subprocess: permissions really scope every child", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const inside = `${dir}/inside.txt`;
    await Deno.writeTextFile(inside, "x");
    await using pool = new Pool({
      processes: 1,
      backend: "subprocess",
      module: probe,
      permissions: { read: [dir] },
    });
    assert.equal(await pool.apply("tryRead", [inside]), "ok");
    assert.equal(await pool.apply("tryRead", ["/etc/hostname"]), "NotCapable");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

test("Pool on subprocess: map returns every result in order, with batching", async () => {
  await using pool = new Pool({ processes: 2, backend: "subprocess", module });
  const items = Array.from({ length: 5000 }, (_, i) => i);
  assert.deepEqual(await pool.map("square", items), items.map((x) => x * x));
  assert.deepEqual(
    await pool.map("square", items.slice(0, 50), { chunksize: 1 }),
    items.slice(0, 50).map((x) => x * x),
  );
});

test("Pool on subprocess: a Manager proxy in args reaches the same dict from every child", async () => {
  await using manager = await Manager.start();
  const dict = await manager.dict<string, number>();
  await using pool = new Pool({
    processes: 2,
    backend: "subprocess",
    module: new URL(
      "../fixtures/subprocess_manager_tasks.ts",
      import.meta.url,
    ),
    permissions: { net: ["127.0.0.1"] },
  });
  await Promise.all([
    pool.apply(setInDict, [dict, "a", 1]),
    pool.apply(setInDict, [dict, "b", 2]),
  ]);
  assert.deepEqual(
    new Map(await dict.entries()),
    new Map([["a", 1], ["b", 2]]),
  );
});
