// Process, per backend: start and join, permissions, task modules and
// args that cannot load or cross, bad input, activeChildren(). How a child
// ends (exit codes, terminate, kill, daemons) is in process_exit_test.ts.
import assert from "node:assert/strict";
import {
  activeChildren,
  currentProcess,
  Pool,
  Process,
  RemoteError,
} from "@mp/multiprocessing/pool";
import { SharedValue } from "@mp/multiprocessing/shared";
import { test } from "../_leak_check.ts";
import { testEachBackend } from "./_backends.ts";
import { add, addInto, fail, sleep, whoAmI } from "../fixtures/pool_tasks.ts";

const module = new URL("../fixtures/pool_tasks.ts", import.meta.url);

testEachBackend(
  "Process.join() returns 0 when the target returns",
  async (backend) => {
    const child = new Process({ backend, target: add, args: [1, 2], module });
    assert.equal(child.exitCode, null);
    assert.equal(child.pid, undefined);
    await child.start();
    assert.equal(typeof child.pid, "number");
    assert.equal(await child.join(), 0);
    assert.equal(child.exitCode, 0);
    assert.equal(child.isAlive, false);
    assert.equal(child.error, undefined);
  },
);

testEachBackend(
  "Process: permissions are enforced inside the child",
  async (backend) => {
    const here = new URL(".", module).pathname;
    const denied = new Process({
      backend,
      target: "readFile",
      args: ["/etc/hostname"],
      module,
      permissions: { read: [here] },
    });
    await denied.start();
    assert.equal(await denied.join(), 1);
    assert.equal(denied.error?.remoteName, "NotCapable");
    assert.match(denied.error!.message, /Requires read access/);

    const allowed = new Process({
      backend,
      target: "readFile",
      args: [new URL("pool_tasks.ts", module).pathname],
      module,
      permissions: { read: [here] },
    });
    await allowed.start();
    assert.equal(await allowed.join(), 0);
  },
);

testEachBackend(
  "Process: a child cannot give its own child more than it holds",
  async (backend) => {
    const child = new Process({
      backend,
      target: "assertEscalationRefused",
      module,
      permissions: { read: true },
    });
    await child.start();
    assert.equal(await child.join(), 0);
  },
);

testEachBackend(
  "Process: a target the module does not export rejects start() and join() with a TypeError",
  async (backend) => {
    function square(x: number): number {
      return x * x;
    }
    const child = new Process({ backend, target: square, args: [2], module });
    const error = await child.start().catch((e) => e);
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /exports a different function under that name/);
    assert.match(error.message, /"square"/);
    assert.match(error.message, /pool_tasks\.ts/);
    await assert.rejects(child.join(), TypeError);
    assert.equal(child.exitCode, 1);

    function notThere(): void {}
    const missing = new Process({ backend, target: notThere, module });
    missing.start(); // not awaited: join() reports it
    await assert.rejects(missing.join(), /does not export it/);

    const byName = new Process({ backend, target: "nope", module });
    await assert.rejects(byName.start(), /Cannot run function "nope"/);
  },
);

testEachBackend(
  "Process: creating a child while a child imports its task module fails instead of recursing",
  async (backend) => {
    const child = new Process({
      backend,
      target: "work",
      module: new URL("../fixtures/pool_reentry.ts", import.meta.url),
    });
    const error = await child.start().catch((e) => e);
    assert.ok(error instanceof RemoteError);
    assert.match(error.message, /import\.meta\.main/);
    assert.equal(child.exitCode, 1);
  },
);

testEachBackend(
  "Process: a task module that throws at import rejects start()",
  async (backend) => {
    const child = new Process({
      backend,
      target: "never",
      module: new URL("../fixtures/pool_broken.ts", import.meta.url),
    });
    const error = await child.start().catch((e) => e);
    assert.ok(error instanceof RemoteError);
    assert.ok(error.cause instanceof SyntaxError);
    assert.equal(error.message, "broken at import");
  },
);

test("Process: shared objects in args work on the same memory", async () => {
  const total = new SharedValue("i", 10);
  const children = [1, 2, 3].map((n) =>
    new Process({ target: addInto, args: [total, n], module })
  );
  await Promise.all(children.map((c) => c.start()));
  assert.deepEqual(await Promise.all(children.map((c) => c.join())), [0, 0, 0]);
  assert.equal(total.value, 16);
});

testEachBackend(
  "Process: args that cannot cross reject start() with the registry's TypeError",
  async (backend) => {
    const child = new Process({
      backend,
      target: "identity",
      args: [{ callback: () => {} }],
      module,
    });
    await assert.rejects(child.start(), /Cannot send args\[0\]\.callback/);
    await assert.rejects(child.join(), TypeError);
    assert.equal(child.exitCode, null);
  },
);

test("Process: bad input is refused", async () => {
  assert.throws(
    // @ts-expect-error: not a function
    () => new Process({ target: 42, module }),
    TypeError,
  );
  assert.throws(
    // @ts-expect-error: args must be an array
    () => new Process({ target: add, args: 1, module }),
    TypeError,
  );
  assert.throws(
    () => new Process({ target: add, args: [1, 2], module: "./relative.ts" }),
    TypeError,
  );
  assert.throws(
    // @ts-expect-error: unknown backend
    () => new Process({ target: add, args: [1, 2], module, backend: "fork" }),
    TypeError,
  );
  // @ts-expect-error: add takes numbers
  new Process({ target: add, args: ["1", 2], module });
  const never = new Process({ target: add, args: [1, 2], module });
  await assert.rejects(never.join(), /never started/);
  never.terminate(); // not started: nothing to do
  const child = new Process({ target: add, args: [1, 2], module });
  await child.start();
  await assert.rejects(child.start(), /twice/);
  await assert.rejects(child.join({ timeout: -1 }), RangeError);
  assert.equal(await child.join(), 0);
});

testEachBackend(
  "activeChildren() lists live children; currentProcess() names them inside",
  async (backend) => {
    assert.deepEqual(activeChildren(), []);
    assert.equal(currentProcess().name, "MainProcess");
    const child = new Process({
      backend,
      target: sleep,
      args: [60_000],
      module,
    });
    await child.start();
    assert.deepEqual(activeChildren(), [child]);
    const probe = new Process({
      backend,
      target: whoAmI,
      module,
      name: "probe",
    });
    assert.equal(probe.name, "probe");
    await probe.start();
    await probe.join();
    child.terminate();
    await child.join();
    assert.deepEqual(activeChildren(), []);
    assert.match(
      new Process({ backend, target: add, args: [1, 2], module }).name,
      /^Process-\d+$/,
    );
  },
);

test("Process: the inline backend runs the target on the caller's loop", async () => {
  let ran = 0;
  const local = (n: number) => {
    ran += n;
  };
  const child = new Process({ target: local, args: [5], backend: "inline" });
  await child.start();
  assert.equal(await child.join(), 0);
  assert.equal(ran, 5);
  const failing = new Process({ target: fail, args: ["x"], backend: "inline" });
  await failing.start();
  assert.equal(await failing.join(), 1);
  assert.equal(failing.error?.remoteName, "RangeError");
});

test("currentProcess() inside a pool worker names the worker", async () => {
  await using pool = new Pool({ processes: 1, module });
  const me = await pool.apply(whoAmI, []);
  assert.match(me.name, /^PoolWorker-\d+$/);
  assert.equal(me.pid, activeChildren()[0]?.pid);
});
