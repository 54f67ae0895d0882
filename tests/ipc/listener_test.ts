import assert from "node:assert/strict";
import { AuthenticationError, connect, listen } from "../../ipc/listener.ts";
import { ConnectionClosedError } from "../../ipc/connection.ts";
import { encodeFrame, encodeHeader } from "../../ipc/_wire.ts";

const LOCAL = { hostname: "127.0.0.1", port: 0 };

Deno.test("listen() binds a free port and connect() exchanges values both ways", async () => {
  await using listener = await listen<unknown>({
    address: LOCAL,
    authkey: "k",
  });
  const address = listener.address as { hostname: string; port: number };
  assert.ok(address.port > 0);
  const accepted = listener.accept();
  await using client = await connect<unknown>({ address, authkey: "k" });
  await using server = await accepted;
  const value = { n: 1, big: 2n, map: new Map([[1, "1"]]), when: new Date(0) };
  await client.send(value);
  assert.deepEqual(await server.recv(), value);
  const bytes = new Uint8Array(3 << 20).map((_, i) => i & 0xff);
  await server.sendBytes(bytes);
  assert.deepEqual(await client.recvBytes(), bytes);
});

Deno.test("connect() with a wrong authkey fails on both sides and the listener keeps serving", async () => {
  await using listener = await listen({ address: LOCAL, authkey: "right" });
  const failed = assert.rejects(listener.accept(), AuthenticationError);
  await assert.rejects(
    connect({ address: listener.address, authkey: "wrong" }),
    AuthenticationError,
  );
  await failed;
  const next = listener.accept();
  await using client = await connect({
    address: listener.address,
    authkey: "right",
  });
  await using server = await next;
  await client.send("still serving");
  assert.equal(await server.recv(), "still serving");
});

Deno.test("a key on one side only is an AuthenticationError", async () => {
  await using keyed = await listen({ address: LOCAL, authkey: "k" });
  const a = keyed.accept().catch((e) => e);
  await assert.rejects(
    connect({ address: keyed.address }),
    AuthenticationError,
  );
  assert.ok((await a) instanceof AuthenticationError);
  await using open = await listen({ address: LOCAL });
  const b = open.accept();
  await assert.rejects(
    connect({ address: open.address, authkey: "k" }),
    AuthenticationError,
  );
  (await b).close(); // the keyless server saw a normal connection
});

Deno.test("for await skips failed handshakes and reports them to onError", async () => {
  const errors: AuthenticationError[] = [];
  await using listener = await listen<number>({
    address: LOCAL,
    authkey: "k",
    onError: (e) => errors.push(e),
  });
  const served = (async () => {
    const got: number[] = [];
    for await (const conn of listener) {
      got.push(await conn.recv());
      conn.close();
      if (got.length === 2) break;
    }
    return got;
  })();
  for (const [key, n] of [["k", 1], ["bad", 0], ["k", 2]] as const) {
    try {
      await using client = await connect<number>({
        address: listener.address,
        authkey: key,
      });
      await client.send(n);
    } catch (error) {
      assert.ok(error instanceof AuthenticationError);
    }
  }
  assert.deepEqual(await served, [1, 2]);
  assert.equal(errors.length, 1);
});

Deno.test("a silent peer is dropped after the handshake timeout, others are served meanwhile", async () => {
  await using listener = await listen({
    address: LOCAL,
    authkey: "k",
    handshakeTimeout: 200,
  });
  const address = listener.address as { hostname: string; port: number };
  const silent = await Deno.connect(address);
  const first = listener.accept();
  await using _client = await connect({ address, authkey: "k" });
  (await first).close();
  const dropped = await listener.accept().catch((e) => e);
  assert.ok(dropped instanceof AuthenticationError);
  assert.match(dropped.message, /within 200 ms/);
  const buffer = new Uint8Array(64);
  let n: number | null = 0;
  while (n !== null) n = await silent.read(buffer).catch(() => null);
  silent.close();
});

Deno.test("oversized and malformed handshake frames are refused without allocation", async () => {
  await using listener = await listen({ address: LOCAL, authkey: "k" });
  const address = listener.address as { hostname: string; port: number };
  for (
    const garbage of [
      encodeHeader(17, 0xffff_fff0),
      new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]),
      encodeFrame(1, new Uint8Array(4)),
    ]
  ) {
    const conn = await Deno.connect(address);
    const failed = listener.accept().catch((e) => e);
    await conn.write(garbage).catch(() => {});
    assert.ok((await failed) instanceof AuthenticationError);
    conn.close();
  }
});

Deno.test("a data frame above maxFrameSize breaks the connection before allocation", async () => {
  await using listener = await listen<Uint8Array>({
    address: LOCAL,
    maxFrameSize: 1024,
  });
  const accepted = listener.accept();
  await using client = await connect({ address: listener.address });
  await using server = await accepted;
  await client.sendBytes(new Uint8Array(4096));
  await assert.rejects(server.recvBytes(), RangeError);
});

Deno.test("listen() refuses a non-loopback address without authkey unless insecure", async () => {
  await assert.rejects(
    listen({ address: { hostname: "0.0.0.0", port: 0 } }),
    { name: "TypeError", message: /without authkey/ },
  );
  await assert.rejects(
    connect({ address: { hostname: "10.1.2.3", port: 1 } }),
    { name: "TypeError", message: /without authkey/ },
  );
  await using open = await listen({
    address: { hostname: "0.0.0.0", port: 0 },
    insecure: true,
  });
  assert.ok((open.address as { port: number }).port > 0);
  await assert.rejects(
    listen({ address: { hostname: "x", port: 70000 } }),
    RangeError,
  );
  await assert.rejects(listen({ address: { path: "" } }), TypeError);
  await assert.rejects(
    listen({ address: LOCAL, authkey: "" }),
    RangeError,
  );
});

Deno.test("listen() on a Unix socket removes a stale socket file, refuses a live one", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/manager.sock`;
  try {
    // A process that dies without closing leaves its socket file behind.
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `Deno.listen({ transport: "unix", path: ${
          JSON.stringify(path)
        } }); Deno.exit(0);`,
      ],
    });
    assert.equal((await child.output()).code, 0);
    assert.ok((await Deno.lstat(path)).isSocket);
    await using listener = await listen<string>({ address: { path } });
    await assert.rejects(
      listen({ address: { path } }),
      Deno.errors.AddrInUse,
    );
    const accepted = listener.accept();
    await using client = await connect<string>({ address: { path } });
    await using server = await accepted;
    await client.send("over unix");
    assert.equal(await server.recv(), "over unix");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Listener.accept() honours timeout and signal, and rejects once closed", async () => {
  const listener = await listen({ address: LOCAL });
  await assert.rejects(listener.accept({ timeout: 10 }), {
    name: "TimeoutError",
  });
  const controller = new AbortController();
  const aborted = listener.accept({ signal: controller.signal });
  controller.abort(new Error("stop"));
  await assert.rejects(aborted, { message: "stop" });
  const pending = listener.accept();
  listener.close();
  await assert.rejects(pending, ConnectionClosedError);
  await assert.rejects(listener.accept(), ConnectionClosedError);
});

Deno.test("recv() after the peer closes rejects with ConnectionClosedError", async () => {
  await using listener = await listen<string>({ address: LOCAL });
  const accepted = listener.accept();
  const client = await connect<string>({ address: listener.address });
  await using server = await accepted;
  await client.send("bye");
  client.close();
  assert.equal(await server.recv(), "bye");
  await assert.rejects(server.recv(), ConnectionClosedError);
});
