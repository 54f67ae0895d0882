// Manager when things go wrong: clients and servers that crash, are killed
// or hang, wrong authkeys, garbage frames, shutdown with calls in flight.
import assert from "node:assert/strict";
import { Manager } from "../../ipc/manager.ts";
import { ManagerClient } from "../../ipc/manager_client.ts";
import { Process } from "../../pool/process.ts";
import { holdAndWait } from "../fixtures/ipc_manager_tasks.ts";
import { AuthenticationError } from "../../ipc/_auth.ts";
import { ConnectionClosedError } from "../../ipc/connection.ts";
import { toTransferable } from "../../ipc/_transfer.ts";
import { checkSocketOptions, dialSocket } from "../../ipc/_socket_endpoint.ts";
import { encodeHeader } from "../../ipc/_wire.ts";
import { type Bomb, makeBomb } from "../fixtures/ipc_manager_types.ts";
import {
  clientProcess,
  inWorker,
  tcpArgs,
  workerJob,
} from "./_manager_clients.ts";

const TYPES = new URL("../fixtures/ipc_manager_types.ts", import.meta.url);
const OWNER = new URL("../fixtures/ipc_manager_owner.ts", import.meta.url);
const TASKS = new URL("../fixtures/ipc_manager_tasks.ts", import.meta.url);

Deno.test("Manager: a client killed while holding a lock releases it", async () => {
  await using manager = await Manager.start();
  const child = clientProcess(["holdAndHang", ...tcpArgs(manager)]);
  const reader = child.stdout.getReader();
  const first = await reader.read();
  assert.match(new TextDecoder().decode(first.value), /"holding":true/);
  reader.releaseLock();
  const lock = await manager.lock({ name: "held" });
  assert.equal(await lock.locked(), true);
  child.kill("SIGKILL");
  await child.status;
  await child.stdout.cancel();
  await using _guard = await lock.acquire({ timeout: 30_000 });
  const queue = await manager.queue<number>({ name: "never" });
  await queue.put(1); // the dead client's get() was cancelled, not served
  assert.equal(await queue.get({ timeout: 30_000 }), 1);
});

Deno.test("Manager.connect() with a wrong authkey fails, and the server keeps serving", async () => {
  await using manager = await Manager.start();
  await assert.rejects(
    Manager.connect({ address: manager.address, authkey: "wrong" }),
    AuthenticationError,
  );
  await assert.rejects(
    Manager.connect({ address: manager.address }),
    AuthenticationError,
  );
  await using other = await Manager.connect({
    address: manager.address,
    authkey: manager.authkey!,
  });
  const d = await other.dict<string, number>(undefined, { name: "x" });
  await d.set("a", 1);
  assert.equal(
    await (await manager.dict<string, number>(undefined, { name: "x" })).get(
      "a",
    ),
    1,
  );
});

Deno.test("Manager server survives random garbage frames and keeps serving", async () => {
  await using manager = await Manager.start();
  const address = manager.address as { hostname: string; port: number };
  const good = await manager.dict<number, number>();
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const bytes = (n: number) =>
    Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
  for (let round = 0; round < 40; round++) {
    const conn = await Deno.connect(address);
    try {
      const kind = round % 4;
      if (kind === 0) await conn.write(bytes(1 + Math.floor(random() * 300)));
      else if (kind === 1) await conn.write(encodeHeader(17, 0xffff_fff0));
      else if (kind === 2) {
        await conn.write(encodeHeader(16, 10));
        await conn.write(bytes(3)); // truncated, then closed
      } else {
        // Authenticated, then garbage data frames.
        conn.close();
        const checked = checkSocketOptions({
          address,
          authkey: manager.authkey!,
        }, "connect");
        const transport = await dialSocket(checked);
        try {
          await transport.send(
            32 + (round % 3),
            bytes(Math.floor(random() * 64)),
          );
          await transport.recv().catch(() => null);
        } finally {
          transport.close();
        }
      }
    } catch {
      // the server may close on us: that is fine
    }
    try {
      conn.close();
    } catch {
      // already closed
    }
    await good.set(round, round);
  }
  assert.equal(await good.size(), 40);
});

Deno.test("Manager (subprocess): shutdown rejects pending calls with ConnectionClosedError", async () => {
  const manager = await Manager.start({ backend: "subprocess" });
  const queue = await manager.queue<number>();
  const pending = assert.rejects(queue.get(), ConnectionClosedError);
  await new Promise((r) => setTimeout(r, 50));
  await manager.shutdown();
  await pending;
  await assert.rejects(queue.qsize(), ConnectionClosedError);
});

Deno.test("Manager: an aborted wait rejects with the reason and frees the server's waiter", async () => {
  await using manager = await Manager.start();
  const queue = await manager.queue<string>();
  const controller = new AbortController();
  const waiting = queue.get({ signal: controller.signal });
  controller.abort(new Error("stop"));
  await assert.rejects(waiting, { message: "stop" });
  await queue.put("x");
  assert.equal(await queue.get(), "x");
});

Deno.test("Manager in this process: a wrong authkey is refused on the shared-memory lane too", async () => {
  await using manager = await Manager.start();
  const proxy = await manager.dict();
  const { local } = (toTransferable(proxy) as {
    value: { data: { local: string } };
  }).value.data;
  assert.match(local, new RegExp(`^${Deno.pid}:`));
  const wrong = new ManagerClient(
    manager.address,
    new Uint8Array([1, 2, 3]),
    local,
  );
  await assert.rejects(wrong.dict(), AuthenticationError);
  wrong.close();
});

Deno.test("Manager (subprocess): the server stops when its owner is killed", async () => {
  const owner = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", OWNER.href],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = owner.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const address = JSON.parse(text) as { hostname: string; port: number };
  (await Deno.connect(address)).close(); // the server answers
  owner.kill("SIGKILL");
  await owner.status;
  await owner.stdout.cancel();
  const deadline = Date.now() + 30_000;
  let refused = false;
  while (!refused && Date.now() < deadline) {
    try {
      (await Deno.connect(address)).close();
      await new Promise((r) => setTimeout(r, 50));
    } catch {
      refused = true;
    }
  }
  assert.ok(refused, "the orphaned server still accepts connections");
});

Deno.test("Manager in this process: shutdown rejects a Worker's call pending on the lane", async () => {
  const manager = await Manager.start();
  const queue = await manager.queue<number>();
  const reply = inWorker({ job: "get", queue });
  await new Promise((r) => setTimeout(r, 200));
  await manager.shutdown();
  const { ok, error } = await reply as { ok: boolean; error: Error };
  assert.equal(ok, false);
  assert.ok(error instanceof ConnectionClosedError, String(error));
});

for (const how of ["crashes", "exits"] as const) {
  Deno.test(`Manager (worker): a server Worker that ${how} rejects lane calls in flight here and in a Worker, and later calls at once`, async () => {
    const manager = await Manager.start();
    let job: ReturnType<typeof workerJob> | undefined;
    try {
      await manager.register("Bomb", makeBomb, { module: TYPES });
      const bomb = await manager.create<Bomb>("Bomb");
      const queue = await manager.queue<number>();
      const dict = await manager.dict<string, number>();
      job = workerJob({ job: "readyThenGet", queue });
      assert.deepEqual(await job.first, { ready: true });
      const here = assert.rejects(queue.get(), ConnectionClosedError);
      if (how === "crashes") await bomb.explode();
      else await assert.rejects(bomb.exit(), ConnectionClosedError);
      await here;
      const { ok, error } = await job.second as { ok: boolean; error: Error };
      assert.equal(ok, false);
      assert.ok(error instanceof ConnectionClosedError, String(error));
      await assert.rejects(dict.get("a"), ConnectionClosedError);
      await assert.rejects(queue.qsize(), ConnectionClosedError);
    } finally {
      job?.worker.terminate();
      await manager.shutdown();
    }
  });
}

Deno.test("Manager in this process: a Worker client terminated while holding a lock on the lane releases it", async () => {
  await using manager = await Manager.start();
  const lock = await manager.lock();
  const said = await manager.queue<string>();
  const never = await manager.queue<number>();
  const child = new Process({
    target: holdAndWait,
    args: [lock, said, never],
    module: TASKS,
  });
  await child.start();
  try {
    assert.equal(await said.get({ timeout: 30_000 }), "holding");
    assert.equal(await lock.locked(), true);
    child.terminate();
    await child.join();
    await using _held = await lock.acquire({ timeout: 30_000 });
    await never.put(1); // the dead client's get() was cancelled, not served
    assert.equal(await never.get({ timeout: 30_000 }), 1);
  } finally {
    if (child.isAlive) child.kill();
  }
});

Deno.test("Manager: a server Worker that crashes rejects a call pending over TCP from another process", async () => {
  const manager = await Manager.start();
  const child = clientProcess(["getUntilClosed", ...tcpArgs(manager)]);
  try {
    await manager.register("Bomb", makeBomb, { module: TYPES });
    const bomb = await manager.create<Bomb>("Bomb");
    const lines = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) break;
      text += value;
    }
    assert.deepEqual(JSON.parse(text), { waiting: true });
    await bomb.explode();
    while (true) {
      const { value, done } = await lines.read();
      if (done) break;
      text += value;
    }
    assert.deepEqual(JSON.parse(text.split("\n")[1]!), {
      pending: "ConnectionClosedError",
      later: "ConnectionClosedError",
    });
    assert.equal((await child.status).code, 0);
  } finally {
    if ((await Promise.race([child.status, null])) === null) {
      child.kill("SIGKILL");
      await child.status;
    }
    await manager.shutdown();
  }
});

Deno.test("Manager (worker): a wedged server Worker that shutdown() terminates rejects lane calls in flight here and in a Worker", async () => {
  // The server is busy in a loop, so only the thread that started it can
  // mark it gone: shutdown() does when the server misses its grace period.
  const manager = await Manager.start();
  let job: ReturnType<typeof workerJob> | undefined;
  try {
    await manager.register("Bomb", makeBomb, { module: TYPES });
    const bomb = await manager.create<Bomb>("Bomb");
    const queue = await manager.queue<number>();
    job = workerJob({ job: "readyThenGet", queue });
    assert.deepEqual(await job.first, { ready: true });
    const hung = assert.rejects(bomb.hang(7_000), ConnectionClosedError);
    const here = assert.rejects(queue.get(), ConnectionClosedError);
    await manager.shutdown();
    await hung;
    await here;
    const { ok, error } = await job.second as { ok: boolean; error: Error };
    assert.equal(ok, false);
    assert.ok(error instanceof ConnectionClosedError, String(error));
  } finally {
    job?.worker.terminate();
    await manager.shutdown();
  }
});

Deno.test("Manager.connect() to a server that hangs up during the handshake rejects with ConnectionClosedError", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { hostname, port } = listener.addr as Deno.NetAddr;
  const hangUp = listener.accept().then((conn) => conn.close());
  try {
    await assert.rejects(
      Manager.connect({ address: { hostname, port }, authkey: "key" }),
      ConnectionClosedError,
    );
  } finally {
    await hangUp;
    listener.close();
  }
});
