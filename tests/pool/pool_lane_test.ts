// The wake lane (pool/_pool_lane.ts): the parent hands a message to a
// spinning worker only when it listens and has handled every posted message;
// the text arrives whole; and through a real Pool, sequential calls that take
// the lane mixed with posted batches, retirements and cancellations all
// settle exactly once.
import assert from "node:assert/strict";
import { Pool } from "@mp/multiprocessing/pool";
import { test } from "../_leak_check.ts";
import {
  countPosted,
  countReceived,
  listen,
  listening,
  offer,
} from "../../pool/_pool_lane.ts";
import { CONTROL_BYTES, LANE, LANE_CHARS } from "../../pool/_protocol.ts";
import { add, square } from "../fixtures/pool_tasks.ts";

const module = new URL("../fixtures/pool_tasks.ts", import.meta.url);

function block(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(CONTROL_BYTES));
}

test("offer() refuses a child that does not listen", () => {
  const control = block();
  assert.equal(listening(control), false);
  assert.equal(offer(control, '{"t":"run"}'), false);
});

test("listen() gives up after its time and leaves the lane idle", () => {
  const control = block();
  assert.equal(listen(control, 0, 1), undefined);
  assert.equal(listening(control), false);
  assert.equal(offer(control, "x"), false);
});

test("offer() hands a listening child the whole text, any UTF-16", () => {
  const control = block();
  const text = JSON.stringify({ t: "run", s: "é😀\u0000" + "x".repeat(1500) });
  Atomics.store(control, LANE, 1); // what listen() stores first
  assert.equal(offer(control, text), true);
  assert.equal(listen(control, 0, 1000), text);
  assert.equal(listening(control), false);
});

test("offer() refuses while a posted message is not handled yet", () => {
  const control = block();
  countPosted(control);
  Atomics.store(control, LANE, 1);
  assert.equal(offer(control, "x"), false);
  // The child stops listening as soon as it sees the posted message.
  assert.equal(listen(control, 0, 1000), undefined);
  countReceived(control, 1);
  Atomics.store(control, LANE, 1);
  assert.equal(offer(control, "y"), true);
  assert.equal(listen(control, 1, 1000), "y");
});

test("offer() refuses a text longer than the lane", () => {
  const control = block();
  Atomics.store(control, LANE, 1);
  assert.equal(offer(control, "x".repeat(LANE_CHARS + 1)), false);
  assert.equal(listening(control), true);
});

test("Pool: sequential calls, batches, retirements and cancels all settle once", async () => {
  await using pool = new Pool({ processes: 2, module, maxTasksPerChild: 7 });
  for (let round = 0; round < 20; round++) {
    // One at a time: these take the lane when a worker spins for work.
    for (let i = 0; i < 10; i++) {
      assert.equal(await pool.apply(add, [round, i]), round + i);
    }
    // A batch beside them goes by postMessage.
    const batch = Array.from({ length: 40 }, (_, i) => i);
    const [squares, one] = await Promise.all([
      pool.map(square, batch, { chunksize: 3 }),
      pool.apply(square, [round]),
    ]);
    assert.deepEqual(squares, batch.map((x) => x * x));
    assert.equal(one, round * round);
    // A cancelled call settles too, and the next calls go on.
    const controller = new AbortController();
    const slow = pool.apply("sleep", [10_000], { signal: controller.signal });
    controller.abort(new Error("stop"));
    await assert.rejects(slow, /stop/);
  }
  assert.equal(pool.stats.failed, 20);
});
