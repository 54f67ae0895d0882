// Process on the subprocess backend: a real OS process per child, signals,
// permissions, output relay, orphans and memory limits. The frame channel's
// robustness is in subprocess_frames_test.ts, Pool on subprocess in
// subprocess_pool_test.ts.
import assert from "node:assert/strict";
import { Process, RemoteError } from "@mp/multiprocessing/pool";
import { SharedValue } from "@mp/multiprocessing/shared";
import { test } from "../_leak_check.ts";
import { eventually, isGone } from "./_process_watch.ts";

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
