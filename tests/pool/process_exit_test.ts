// How a Process ends, per backend: exit codes of returns, throws, exits and
// signals; terminate() and kill(); join() timeouts; daemon children; and
// what an ended child leaves behind (an abandoned lock).
import assert from "node:assert/strict";
import {
  type Backend,
  Process,
  RemoteError,
  WorkerExitError,
} from "@mp/multiprocessing/pool";
import { Lock, LockAbandonedError } from "@mp/multiprocessing/sync";
import { test } from "../_leak_check.ts";
import { testEachBackend } from "./_backends.ts";
import { fail, lockAndExit, sleep } from "../fixtures/pool_tasks.ts";

const module = new URL("../fixtures/pool_tasks.ts", import.meta.url);

async function exitCodeOf(
  backend: Backend,
  target: string,
  args: unknown[] = [],
): Promise<[number, Process]> {
  const child = new Process({ target, args, module, backend });
  await child.start();
  return [await child.join(), child];
}

const config = new URL("../../deno.json", import.meta.url).pathname;
const daemonMain = new URL("../fixtures/pool_daemon_main.ts", import.meta.url)
  .pathname;

async function runScript(...args: string[]): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--config", config, daemonMain, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  return new TextDecoder().decode(output.stdout);
}

testEachBackend(
  "Process: a throwing target exits 1 with the remote error in error",
  async (backend) => {
    const child = new Process({
      backend,
      target: fail,
      args: ["bad input"],
      module,
    });
    await child.start();
    assert.equal(await child.join(), 1);
    const error = child.error;
    assert.ok(error instanceof RemoteError);
    assert.equal(error.remoteName, "RangeError");
    assert.equal(error.message, "bad input");
    assert.match(error.remoteStack, /at fail .*pool_tasks\.ts/);
    assert.ok(error.cause instanceof RangeError);
    assert.ok((error.cause as Error).cause instanceof TypeError);
    assert.equal(((error.cause as Error).cause as Error).message, "inner");
  },
);

testEachBackend(
  "Process: a custom error class keeps its name and own properties",
  async (backend) => {
    const [code, child] = await exitCodeOf(backend, "failCoded", ["coded"]);
    assert.equal(code, 1);
    assert.equal(child.error?.remoteName, "CodedError");
    assert.equal((child.error?.cause as { code?: number }).code, 7);
  },
);

testEachBackend("Process: a rejected promise exits 1", async (backend) => {
  const [code, child] = await exitCodeOf(backend, "rejectLater", ["later"]);
  assert.equal(code, 1);
  assert.equal(child.error?.message, "later");
});

testEachBackend(
  "Process: Deno.exit(3) in the target exits 3",
  async (backend) => {
    const [code, child] = await exitCodeOf(backend, "exitWith", [3]);
    assert.equal(code, 3);
    assert.equal(child.error, undefined);
  },
);

testEachBackend(
  "Process: self.close() in the target exits 0",
  async (backend) => {
    const [code] = await exitCodeOf(backend, "closeSelf");
    assert.equal(code, 0);
  },
);

testEachBackend(
  "Process: an uncaught error outside the target exits 1",
  async (backend) => {
    const [code, child] = await exitCodeOf(backend, "crashLater", [
      "from a timer",
    ]);
    assert.equal(code, 1);
    assert.equal(child.error?.message, "from a timer");
  },
);

testEachBackend(
  "Process.terminate() while the target awaits exits -15",
  async (backend) => {
    const child = new Process({
      backend,
      target: sleep,
      args: [60_000],
      module,
    });
    await child.start();
    assert.equal(child.isAlive, true);
    child.terminate();
    child.terminate(); // twice: a no-op
    assert.equal(await child.join(), -15);
    assert.equal(child.exitCode, -15);
    assert.equal(child.isAlive, false);
  },
);

testEachBackend("Process.kill() exits -9", async (backend) => {
  const child = new Process({ backend, target: sleep, args: [60_000], module });
  await child.start();
  child.kill();
  assert.equal(await child.join(), -9);
});

testEachBackend(
  "Process.terminate() aborts currentTask().signal of a synchronous loop",
  async (backend) => {
    const child = new Process({ backend, target: "spinUntilAborted", module });
    await child.start();
    child.terminate();
    assert.equal(await child.join(), -15);
  },
);

testEachBackend(
  "Process.join({ timeout }) rejects with TimeoutError while the child runs on",
  async (backend) => {
    const child = new Process({
      backend,
      target: sleep,
      args: [60_000],
      module,
    });
    await child.start();
    await assert.rejects(child.join({ timeout: 20 }), { name: "TimeoutError" });
    assert.equal(child.isAlive, true);
    assert.equal(child.exitCode, null);
    const controller = new AbortController();
    const waiting = child.join({ signal: controller.signal });
    controller.abort(new Error("stop waiting"));
    await assert.rejects(waiting, /stop waiting/);
    assert.equal(child.isAlive, true);
    child.terminate();
    assert.equal(await child.join(), -15);
  },
);

testEachBackend(
  "Process: await using terminates a child still running",
  async (backend) => {
    let kept: Process | undefined;
    {
      await using child = new Process({
        backend,
        target: sleep,
        args: [60_000],
        module,
      });
      await child.start();
      kept = child;
    }
    assert.equal(kept.exitCode, -15);
  },
);

testEachBackend(
  "Process.start() rejects with WorkerExitError when the child ends before the target runs",
  async (backend) => {
    const child = new Process({
      backend,
      target: sleep,
      args: [60_000],
      module,
    });
    const started = child.start();
    child.terminate();
    await assert.rejects(started, WorkerExitError);
    assert.equal(await child.join(), -15);
  },
);

test("Process: the parent waits for a non-daemon child to finish", async () => {
  assert.equal(await runScript("normal", "200"), "main done\nchild done\n");
});

test("Process: a daemon child does not keep the parent alive", async () => {
  assert.equal(await runScript("daemon", "60000"), "main done\n");
});

test("Process: a lock held by a child that ended is abandoned, not deadlocked", async () => {
  const lock = new Lock();
  const child = new Process({ target: lockAndExit, args: [lock], module });
  await child.start();
  assert.equal(await child.join(), 0);
  const error = await lock.acquire({ timeout: 10_000 }).catch((e) => e);
  assert.ok(error instanceof LockAbandonedError);
  error.guard.release();
  assert.equal(lock.locked(), false);
});
