import assert from "node:assert/strict";
import { Connection, ConnectionClosedError, pipe } from "../../ipc/mod.ts";
import { describe, revive } from "../../sync/_shareable.ts";
import { Remote } from "./_remote.ts";

Deno.test("Connection ping-pong with a Worker keeps values and order (async and sync ends)", async () => {
  for (const sync of [false, true]) {
    const [here, there] = pipe<unknown>();
    await using remote = await Remote.start();
    const echo = remote.call("echo", { conn: there, sync });
    for (let i = 0; i < 500; i++) {
      const value = { i, text: `#${i}`, big: BigInt(i) << 70n };
      await here.send(value);
      assert.deepEqual(await here.recv({ timeout: 20_000 }), value);
    }
    here.close();
    assert.equal(await echo, 500);
  }
});

Deno.test("Connection.recv() drains what the other end sent before it closed, then rejects with ConnectionClosedError", async () => {
  const [here, there] = pipe<number>();
  await using remote = await Remote.start();
  await remote.call("sendAll", { conn: there, values: [1, 2, 3] });
  assert.equal(await here.poll(), true);
  const got: number[] = [];
  for await (const value of here) got.push(value);
  assert.deepEqual(got, [1, 2, 3]);
  await assert.rejects(here.recv(), ConnectionClosedError);
  await assert.rejects(here.send(4), ConnectionClosedError);
  assert.equal(await here.poll(), true); // end of stream: recv() would not wait
  here.close();
  await assert.rejects(here.recv(), /as it is closed/);
});

Deno.test("Connection.poll() times out with false, and sees a message or the other end closing", async () => {
  const [a, b] = pipe<string>();
  assert.equal(await a.poll(), false);
  assert.equal(await a.poll({ timeout: 20 }), false);
  assert.equal(a.pollSync({ timeout: 10 }), false);
  const later = a.poll({ timeout: Infinity });
  await b.send("x");
  assert.equal(await later, true);
  assert.equal(a.pollSync(), true);
  assert.equal(await a.recv(), "x");
  const waiting = a.poll({ timeout: 20_000 });
  b.close();
  assert.equal(await waiting, true);
  a.close();
});

Deno.test("Connection.close() settles this end's pending recv() with ConnectionClosedError", async () => {
  const [a, b] = pipe<string>();
  const pending = a.recv();
  a.close();
  await assert.rejects(pending, ConnectionClosedError);
  await assert.rejects(b.send("late"), ConnectionClosedError);
  b.close();
});

Deno.test("A one-way pipe refuses the wrong direction with TypeError", async () => {
  const [receiver, sender] = pipe<number>({ duplex: false });
  assert.equal(receiver.writable, false);
  assert.equal(sender.readable, false);
  await assert.rejects(receiver.send(1), TypeError);
  await assert.rejects(sender.recv(), TypeError);
  assert.throws(() => sender.recvSync(), TypeError);
  await sender.send(1);
  assert.equal(receiver.recvSync(), 1);
  sender.close();
  receiver.close();
  assert.throws(() => pipe({ duplex: "no" as never }), TypeError);
  assert.throws(() => pipe({ bufferSize: 3 }), RangeError);
});

Deno.test("Connection.sendBytes() and recvBytes() move raw bytes, any size, in order with values", async () => {
  const [a, b] = pipe<unknown>({ bufferSize: 4096 });
  const big = new Uint8Array(50_000).map((_, i) => i % 251);
  const sending = (async () => {
    await b.sendBytes(big);
    await b.send("value");
    await b.sendBytes(new Uint16Array([1, 2]));
  })();
  assert.deepEqual(await a.recvBytes(), big);
  assert.equal(await a.recv(), "value");
  assert.deepEqual(await a.recv(), new Uint8Array([1, 0, 2, 0]));
  await sending;
  await b.send([1]);
  assert.ok((await a.recvBytes()).length > 0); // the encoded form of [1]
  b.sendBytesSync(new Uint8Array([7, 8]));
  assert.deepEqual(a.recvBytesSync({ timeout: 1000 }), new Uint8Array([7, 8]));
  a.close();
  b.close();
});

Deno.test("Connection.recvBytesInto() copies a message into a buffer at an offset, streamed ones too", async () => {
  const [a, b] = pipe<unknown>({ bufferSize: 4096 });
  const big = new Uint8Array(10_000).map((_, i) => i % 251);
  const buffer = new Uint8Array(12_000);
  const sending = b.sendBytes(big);
  assert.equal(await a.recvBytesInto(buffer, 1000), big.length);
  await sending;
  assert.deepEqual(buffer.subarray(1000, 11_000), big);
  assert.equal(buffer[999], 0);
  b.sendBytesSync(new Uint8Array([5, 6, 7]));
  const view = new DataView(new ArrayBuffer(8));
  assert.equal(a.recvBytesIntoSync(view, 4, { timeout: 1000 }), 3);
  assert.deepEqual(
    new Uint8Array(view.buffer),
    new Uint8Array([0, 0, 0, 0, 5, 6, 7, 0]),
  );
  b.close();
  await assert.rejects(a.recvBytesInto(buffer), ConnectionClosedError);
  a.close();
});

Deno.test("Connection.recvBytesInto() refuses a bad offset and hands a message too long in the RangeError's cause", async () => {
  const [a, b] = pipe<unknown>();
  const small = new Uint8Array(4);
  await assert.rejects(a.recvBytesInto(small, 5), RangeError);
  await assert.rejects(a.recvBytesInto(small, 1.5), RangeError);
  await assert.rejects(a.recvBytesInto("x" as never), TypeError);
  assert.throws(() => a.recvBytesIntoSync(small, -1), RangeError);
  await b.sendBytes(new Uint8Array([1, 2, 3, 4, 5]));
  const error = await a.recvBytesInto(small).catch((e) => e);
  assert.ok(error instanceof RangeError);
  assert.deepEqual(error.cause, new Uint8Array([1, 2, 3, 4, 5]));
  await b.sendBytes(new Uint8Array([9]));
  assert.equal(a.recvBytesIntoSync(small, 3), 1);
  assert.deepEqual(small, new Uint8Array([0, 0, 0, 9]));
  a.close();
  b.close();
});

Deno.test("Connection supports await using, describe/revive and the timeout and signal options", async () => {
  let kept: Connection<number>;
  {
    await using a = pipe<number>()[0];
    kept = a;
  }
  assert.equal(kept.closed, true);
  const [a, b] = pipe<number>();
  const a2 = Connection[revive]<number>(a[describe]().data);
  await b.send(9);
  assert.equal(await a2.recv(), 9);
  await assert.rejects(
    a.recv({ timeout: 10 }),
    (error: DOMException) => error.name === "TimeoutError",
  );
  const controller = new AbortController();
  const pending = a.recv({ signal: controller.signal });
  controller.abort(new Error("enough"));
  await assert.rejects(pending, /enough/);
  await assert.rejects(a.send((() => 1) as never), TypeError);
  a.close();
  b.close();
});
