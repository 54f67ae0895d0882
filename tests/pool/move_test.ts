// move(): binary values marked to be moved cross to and from workers without
// a copy, the sender's buffer is detached, and a moved argument whose worker
// died before running its task fails that task clearly, never silently.
import assert from "node:assert/strict";
import { move, Pool, WorkerExitError } from "@mp/multiprocessing/pool";
import { test } from "../_leak_check.ts";
import { testEachBackend } from "./_backends.ts";
import {
  bufferInfo,
  echo,
  echoMoved,
  exitWhenFlagged,
  makeMoved,
  sums,
  waitFlag,
} from "../fixtures/pool_move_tasks.ts";
import { eventually } from "./_process_watch.ts";

const module = new URL("../fixtures/pool_move_tasks.ts", import.meta.url);

function pattern(n: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

function detached(view: ArrayBufferView): boolean {
  return (view.buffer as ArrayBuffer).detached;
}

test("move() moves map items byte-exact and detaches the caller's arrays [worker]", async () => {
  await using pool = new Pool({ processes: 2, module });
  const sizes = [1, 100, 4096, 16 * 1024, 100 * 1024];
  const arrays = sizes.map((n, i) => pattern(n, i));
  const expected = arrays.map((a) => a.slice());
  const echoed = await pool.map(
    echo,
    arrays.map(move),
  );
  assert.deepEqual(echoed, expected);
  for (const array of arrays) {
    assert.equal(array.byteLength, 0);
    assert.equal(detached(array), true);
  }
});

test("move() moves small (< 16 KiB) apply and starmap arguments too [worker]", async () => {
  await using pool = new Pool({ processes: 1, module });
  const a = pattern(10, 1);
  const b = pattern(1000, 2);
  const got = await pool.apply(sums, [move(a), move(b)]);
  assert.deepEqual(got, [
    [10, pattern(10, 1).reduce((s, x) => s + x, 0)],
    [1000, pattern(1000, 2).reduce((s, x) => s + x, 0)],
  ]);
  assert.equal(detached(a), true);
  assert.equal(detached(b), true);
  const c = pattern(64, 3);
  const results = await pool.starmap(sums, [
    [move(c)],
    [new Uint8Array(3)],
  ]);
  assert.deepEqual(results[0], [[64, pattern(64, 3).reduce((s, x) => s + x)]]);
  assert.equal(detached(c), true);
});

test("move() moves a bare ArrayBuffer [worker]", async () => {
  await using pool = new Pool({ processes: 1, module });
  const buffer = new Uint8Array(300).fill(42).buffer;
  assert.deepEqual(await pool.apply(bufferInfo, [move(buffer)]), [300, 42]);
  assert.equal(buffer.detached, true);
});

test("move(): work stealing leaves tasks whose arguments were moved with their worker [worker]", async () => {
  await using pool = new Pool({ processes: 2, module });
  const flag = new Int32Array(new SharedArrayBuffer(4));
  // One worker blocks; its share of the map waits behind it, unstarted,
  // while the other worker runs out of work and would steal half of it.
  const blocked = pool.apply(waitFlag, [flag]);
  const arrays = Array.from({ length: 10 }, (_, i) => pattern(100, i));
  const expected = arrays.map((a) => a.slice());
  const echoed = pool.map(echo, arrays.map(move), { chunksize: 1 });
  await eventually(
    () => pool.stats.completed >= 1 && arrays.every(detached),
    "the other worker to run out of work",
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  assert.equal(await blocked, 1);
  assert.deepEqual(await echoed, expected);
});

test("move() leaves an unmarked small argument usable [worker]", async () => {
  await using pool = new Pool({ processes: 1, module });
  const kept = pattern(100, 4);
  await pool.apply(sums, [kept]);
  assert.equal(kept.byteLength, 100);
  assert.equal(detached(kept), false);
});

testEachBackend(
  "move() of a task's result gives the caller the bytes",
  async (backend) => {
    await using pool = new Pool({ backend, processes: 2, module });
    const small = await pool.apply(makeMoved, [10, 7]);
    assert.deepEqual(small, new Uint8Array(10).fill(7));
    const large = await pool.apply(makeMoved, [200_000, 9]);
    assert.equal(large.byteLength, 200_000);
    assert.ok(large.every((x) => x === 9));
    const original = pattern(50_000, 5);
    const echoed = await pool.apply(echoMoved, [
      move(original.slice()),
    ]);
    assert.deepEqual(echoed, original);
  },
);

testEachBackend(
  "move() arguments arrive byte-exact over every backend",
  async (backend) => {
    await using pool = new Pool({ backend, processes: 2, module });
    const arrays = [10, 20_000].map((n, i) => pattern(n, i + 10));
    const expected = arrays.map((a) => a.slice());
    const echoed = await pool.map(
      echoMoved,
      arrays.map(move),
    );
    assert.deepEqual(echoed, expected);
    if (backend === "subprocess") {
      // Serialized anyway: move() changes nothing, the arrays stay usable.
      assert.deepEqual(arrays, expected);
    }
  },
);

test("move() is a no-op on the inline backend", async () => {
  await using pool = new Pool({ backend: "inline", processes: 1 });
  const bytes = pattern(1000, 6);
  const echoed = await pool.apply((b: Uint8Array) => move(b), [move(bytes)]);
  assert.equal(echoed, bytes);
  assert.equal(bytes.byteLength, 1000);
});

test("move() refuses SharedArrayBuffer-backed, detached and non-binary values", () => {
  const shared = new Int32Array(new SharedArrayBuffer(8));
  assert.throws(() => move(shared), {
    name: "TypeError",
    message: /SharedArrayBuffer, which is shared, not moved/,
  });
  assert.throws(
    () => move(new SharedArrayBuffer(8) as unknown as ArrayBuffer),
    TypeError,
  );
  assert.throws(
    () => move([1, 2] as unknown as Uint8Array),
    /must be an ArrayBuffer or an ArrayBufferView: received \[object Array\]/,
  );
  const gone = new ArrayBuffer(8);
  void gone.transfer();
  assert.throws(() => move(gone), /detached/);
  const buffer = new ArrayBuffer(8);
  assert.equal(move(buffer), buffer);
});

test("move(): a moved argument of a task not yet run when its worker exits rejects that task clearly; others complete [worker]", async () => {
  await using pool = new Pool({ processes: 1, module });
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const dying = pool.apply(exitWhenFlagged, [flag, 3]).catch((e) => e);
  const bytes = pattern(1000, 7);
  const moved = pool.apply(echoMoved, [move(bytes)]).catch((e) => e);
  const kept = pattern(100_000, 8);
  const copied = pool.apply(echo, [kept]);
  // The moved task reached the blocked worker: the bytes are gone from here.
  await eventually(() => detached(bytes), "the moved argument to go");
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  const died = await dying;
  assert.ok(died instanceof WorkerExitError);
  assert.equal(died.exitCode, 3);
  const lost = await moved;
  assert.ok(lost instanceof WorkerExitError, String(lost));
  assert.match(
    lost.message,
    /ended with exit code 3 before running task \d+, and the buffer the task moved there with move\(\) went with it: do not use move\(\) for tasks that must survive worker deaths/,
  );
  assert.equal(lost.exitCode, 3);
  // The copied task ran again on the replacement, with its bytes.
  assert.deepEqual(await copied, kept);
  assert.deepEqual(
    await pool.apply(echoMoved, [move(pattern(10, 9))]),
    pattern(10, 9),
  );
});
