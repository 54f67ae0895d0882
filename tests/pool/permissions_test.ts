import assert from "node:assert/strict";
import {
  checkPermissions,
  permissionFlags,
  type Permissions,
  toWorkerPermissions,
} from "../../pool/permissions.ts";

const probe = new URL("../fixtures/subprocess_read_probe.ts", import.meta.url);
const fixtures = new URL("../fixtures/", import.meta.url);

async function readInWorker(
  permissions: Permissions,
  path: string,
): Promise<string> {
  const worker = new Worker(probe, {
    type: "module",
    deno: { permissions: toWorkerPermissions(permissions) },
  });
  try {
    const answer = new Promise<string>((resolve, reject) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(event.message));
      };
    });
    worker.postMessage(path);
    return await answer;
  } finally {
    worker.terminate();
  }
}

async function readInSubprocess(
  permissions: Permissions | undefined,
  path: string,
): Promise<{ code: number; stdout: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      ...permissionFlags(permissions),
      probe.href,
      path,
    ],
    stdout: "piped",
    stderr: "null",
  }).output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout).trim(),
  };
}

Deno.test("checkPermissions() accepts the three shapes and normalises file URLs", () => {
  assert.equal(checkPermissions("inherit"), "inherit");
  assert.equal(checkPermissions("none"), "none");
  const checked = checkPermissions({
    read: [new URL("file:///tmp/a%20b")],
    net: ["localhost:8080"],
    env: true,
    write: false,
    sys: "inherit",
    run: undefined,
  });
  assert.deepEqual(checked, {
    read: ["/tmp/a b"],
    net: ["localhost:8080"],
    env: true,
    write: false,
    sys: "inherit",
  });
  assert.ok(Object.isFrozen(checked));
});

Deno.test("checkPermissions() rejects wrong shapes with a TypeError naming the key", () => {
  const cases: [unknown, RegExp][] = [
    [42, /must be "inherit", "none" or an object: received 42/],
    ["all", /received "all"/],
    [null, /received null/],
    [["read"], /received an array/],
    [{ reed: true }, /"reed" is not a permission name/],
    [{ hrtime: true }, /"hrtime" is not a permission name/],
    [
      { read: 1 },
      /"read" must be "inherit", a boolean or an array: received 1/,
    ],
    [{ net: "yes" }, /"net" must be .*: received "yes"/],
    [{ env: [1] }, /items of "env" must be non-empty strings: received 1/],
    [{ write: [""] }, /items of "write" must be paths or file: URLs/],
    [
      { net: [new URL("http://x")] },
      /items of "net" must be non-empty strings/,
    ],
    [{ read: [new URL("https://x/y")] }, /"read" accepts only file: URLs/],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => checkPermissions(value), (error: Error) => {
      assert.ok(error instanceof TypeError, `${error}`);
      assert.match(error.message, message);
      return true;
    });
  }
});

Deno.test({
  name:
    "checkPermissions() refuses to grant a child more than the parent holds",
  permissions: { read: [fixtures] },
  fn() {
    assert.throws(
      () => checkPermissions({ net: true }),
      (error: Error) => {
        assert.ok(error instanceof Deno.errors.NotCapable);
        assert.match(error.message, /Cannot grant "net" to a child/);
        assert.match(error.message, /--allow-net/);
        return true;
      },
    );
    assert.throws(
      () => checkPermissions({ read: true }),
      /Cannot grant "read" to a child .*--allow-read or ask for less/,
    );
    assert.throws(
      () => checkPermissions({ read: ["/etc"] }),
      /Cannot grant "read" for "\/etc" to a child .*--allow-read=\/etc/,
    );
    // Deno validates scoped items only when it must look them up.
    assert.throws(
      () => checkPermissions({ sys: ["nonsense"] }),
      /Cannot use permissions as "sys" item "nonsense" is not valid/,
    );
    // What the parent holds may be passed on, in part or whole.
    assert.deepEqual(checkPermissions({ read: [fixtures] }), {
      read: [decodeURIComponent(fixtures.pathname)],
    });
    assert.equal(checkPermissions("inherit"), "inherit");
  },
});

Deno.test("toWorkerPermissions() really denies what was not granted inside a Worker", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const inside = `${dir}/inside.txt`;
    await Deno.writeTextFile(inside, "x");
    const outside =
      new URL("../fixtures/subprocess_read_probe.ts", import.meta.url).pathname;
    assert.equal(await readInWorker({ read: [dir] }, inside), "ok");
    assert.equal(await readInWorker({ read: [dir] }, outside), "NotCapable");
    assert.equal(await readInWorker("none", inside), "NotCapable");
    assert.equal(await readInWorker({ net: true }, inside), "NotCapable");
    assert.equal(await readInWorker("inherit", inside), "ok");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "toWorkerPermissions() refuses escalation before a Worker is created",
  permissions: { read: [fixtures] },
  fn() {
    assert.throws(
      () => toWorkerPermissions({ read: [fixtures], env: ["HOME"] }),
      (error: Error) =>
        error instanceof Deno.errors.NotCapable &&
        /Cannot grant "env" for "HOME"/.test(error.message),
    );
  },
});

Deno.test("permissionFlags() turns permissions into deno run flags", () => {
  assert.deepEqual(permissionFlags("none"), []);
  assert.deepEqual(
    permissionFlags({
      read: ["/tmp", new URL("file:///var/tmp")],
      write: false,
      net: true,
      env: ["HOME", "PATH"],
      sys: ["hostname"],
    }),
    [
      "--allow-read=/tmp,/var/tmp",
      "--allow-net",
      "--allow-env=HOME,PATH",
      "--allow-sys=hostname",
    ],
  );
  assert.deepEqual(permissionFlags({ read: [] }), []);
  // Under --allow-all, the default and "inherit" pass everything on.
  const all = [
    "--allow-read",
    "--allow-write",
    "--allow-net",
    "--allow-env",
    "--allow-run",
    "--allow-ffi",
    "--allow-sys",
    "--allow-import",
  ];
  assert.deepEqual(permissionFlags(), all);
  assert.deepEqual(permissionFlags("inherit"), all);
  assert.deepEqual(permissionFlags({ env: "inherit" }), ["--allow-env"]);
});

Deno.test("permissionFlags() adds the library's own socket to net unless net is whole", () => {
  const net = ["unix:/tmp/mp.sock"];
  assert.deepEqual(permissionFlags("none", { net }), [
    "--allow-net=unix:/tmp/mp.sock",
  ]);
  assert.deepEqual(permissionFlags({ net: ["localhost"] }, { net }), [
    "--allow-net=localhost,unix:/tmp/mp.sock",
  ]);
  assert.deepEqual(permissionFlags({ net: true }, { net }), ["--allow-net"]);
});

Deno.test("permissionFlags() rejects list items a flag cannot carry", () => {
  assert.throws(
    () => permissionFlags({ read: ["/tmp/a,b"] }),
    /Cannot pass "read" to a subprocess as a deno run flag cannot hold a comma: received "\/tmp\/a,b"/,
  );
});

Deno.test({
  name: "permissionFlags() inherits only what the parent holds",
  permissions: { read: true, env: true },
  fn() {
    assert.deepEqual(permissionFlags(), ["--allow-read", "--allow-env"]);
    assert.throws(() => permissionFlags({ run: true }), Deno.errors.NotCapable);
  },
});

Deno.test("permissionFlags() really scopes a deno run child", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const inside = `${dir}/inside.txt`;
    await Deno.writeTextFile(inside, "x");
    assert.deepEqual(await readInSubprocess({ read: [dir] }, inside), {
      code: 0,
      stdout: "ok",
    });
    assert.deepEqual(await readInSubprocess({ read: [dir] }, "/etc/hostname"), {
      code: 0,
      stdout: "NotCapable",
    });
    assert.deepEqual(await readInSubprocess("none", inside), {
      code: 0,
      stdout: "NotCapable",
    });
    assert.deepEqual(await readInSubprocess(undefined, inside), {
      code: 0,
      stdout: "ok",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
