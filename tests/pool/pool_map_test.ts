// Pool's map family, per backend: map() and starmap(), their async forms,
// imap() and imapUnordered(), progress, errors and aborts mid-map.
import assert from "node:assert/strict";
import { Pool, RemoteError } from "@mp/multiprocessing/pool";
import { test } from "../_leak_check.ts";
import { testEachBackend } from "./_backends.ts";
import {
  add,
  identity,
  inc,
  square,
  squareLater,
} from "../fixtures/pool_tasks.ts";

const module = new URL("../fixtures/pool_tasks.ts", import.meta.url);

testEachBackend(
  "Pool.map() and starmap() return results in order; the default chunking covers every item",
  async (backend) => {
    await using pool = new Pool({ backend, processes: 2, module });
    const xs = Array.from({ length: 1000 }, (_, i) => i);
    assert.deepEqual(await pool.map(square, xs), xs.map((x) => x * x));
    assert.deepEqual(
      await pool.map(square, xs, { chunksize: 7 }),
      xs.map((x) => x * x),
    );
    assert.deepEqual(await pool.map(squareLater, [1, 2, 3]), [1, 4, 9]);
    assert.deepEqual(await pool.map(square, []), []);
    assert.deepEqual(await pool.starmap(add, [[1, 2], [3, 4], [5, 6]]), [
      3,
      7,
      11,
    ]);
    async function* gen() {
      yield 2;
      yield 3;
    }
    assert.deepEqual(await pool.map(square, gen()), [4, 9]);
    assert.deepEqual(await pool.map(square, new Set([4, 5])), [16, 25]);
    const typed: number[] = await pool.map(square, [1]);
    assert.deepEqual(typed, [1]);
  },
);

testEachBackend(
  "Pool.mapAsync() and starmapAsync() return AsyncResults",
  async (backend) => {
    await using pool = new Pool({ backend, processes: 2, module });
    let seen: number[] = [];
    const mapped = pool.mapAsync(square, [1, 2, 3], {
      callback: (v) => seen = v,
    });
    assert.deepEqual(await mapped.get(), [1, 4, 9]);
    assert.deepEqual(await pool.starmapAsync(add, [[1, 2]]), [3]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.deepEqual(seen, [1, 4, 9]);
  },
);

testEachBackend(
  "Pool.map() reports progress and rejects with the first item's error",
  async (backend) => {
    await using pool = new Pool({ backend, processes: 2, module });
    const progress: [number, number | undefined][] = [];
    await pool.map(square, [1, 2, 3, 4], {
      chunksize: 2,
      onProgress: (done, total) => progress.push([done, total]),
    });
    assert.deepEqual(progress.map(([d]) => d).sort(), [2, 4]);
    assert.ok(progress.every(([, total]) => total === 4));
    const error = await pool.map("maybeFail", [1, 2, 3, 4], { chunksize: 4 })
      .catch((e) => e);
    assert.ok(error instanceof RemoteError);
    assert.equal(error.message, "bad 3");
    assert.deepEqual(await pool.map(square, [3]), [9]); // still serving
  },
);

testEachBackend(
  "Pool.imap() yields in order and imapUnordered() as completed",
  async (backend) => {
    await using pool = new Pool({ backend, processes: 2, module });
    const ordered: number[] = [];
    for await (const v of pool.imap("sleep", [60, 1, 30, 1])) {
      ordered.push(v as unknown as number);
    }
    assert.deepEqual(ordered, ["slept", "slept", "slept", "slept"]);
    const xs = Array.from({ length: 50 }, (_, i) => i);
    const inOrder: number[] = [];
    for await (const v of pool.imap(square, xs, { chunksize: 3 })) {
      inOrder.push(v);
    }
    assert.deepEqual(inOrder, xs.map((x) => x * x));
    const any: number[] = [];
    for await (const v of pool.imapUnordered(square, xs)) any.push(v);
    assert.deepEqual(any.sort((a, b) => a - b), xs.map((x) => x * x));
  },
);

testEachBackend(
  "Pool.imap() over an endless async generator stops early without leaks",
  async (backend) => {
    await using pool = new Pool({ backend, processes: 2, module });
    let produced = 0;
    let finalized = false;
    async function* naturals() {
      try {
        for (let n = 0;; n++) {
          produced++;
          yield n;
        }
      } finally {
        finalized = true;
      }
    }
    const out: number[] = [];
    for await (const v of pool.imap(inc, naturals())) {
      out.push(v);
      if (out.length === 300) break;
    }
    assert.deepEqual(out, Array.from({ length: 300 }, (_, i) => i + 1));
    assert.equal(finalized, true);
    assert.ok(produced < 300 + 2 * 64 + 2, `read ${produced} items ahead`);
    assert.equal(await pool.apply(inc, [1]), 2);
  },
);

testEachBackend(
  "Pool.imap() keeps going past a failed item, as Python's next() does",
  async (backend) => {
    await using pool = new Pool({ backend, processes: 2, module });
    const it = pool.imap("maybeFail", [1, 2, 3, 4, 5]);
    const seen: (number | string)[] = [];
    for (let i = 0; i < 5; i++) {
      try {
        seen.push((await it.next()).value as number);
      } catch (error) {
        seen.push((error as Error).message);
      }
    }
    assert.deepEqual(seen, [1, 2, "bad 3", 4, 5]);
    assert.equal((await it.next()).done, true);
  },
);

testEachBackend(
  "Pool: abort mid-map rejects with the reason and the pool serves on",
  async (backend) => {
    await using pool = new Pool({ backend, processes: 2, module });
    const controller = new AbortController();
    const mapped = pool.map("sleep", Array(20).fill(200), {
      chunksize: 1,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error("enough")), 50);
    await assert.rejects(mapped, /enough/);
    assert.deepEqual(await pool.map(square, [2]), [4]);
    const aborted = AbortSignal.abort(new Error("before"));
    await assert.rejects(pool.map(square, [1], { signal: aborted }), /before/);
    await assert.rejects(
      pool.apply(square, [1], { signal: aborted }),
      /before/,
    );
  },
);

test("Pool.map(): long chunks of numbers keep every double exactly", async () => {
  await using pool = new Pool({ processes: 2, module });
  const xs = [-0, NaN, Infinity, -Infinity, 0.1, 2 ** 53, -1e-300];
  for (let i = 0; i < 200; i++) xs.push(i / 7);
  const out = await pool.map(identity, xs, { chunksize: 100 });
  assert.equal(out.length, xs.length);
  for (let i = 0; i < xs.length; i++) {
    assert.ok(Object.is(out[i], xs[i]), `${i}`);
  }
  const mixed = [...xs.slice(0, 70), "x"];
  assert.deepEqual(await pool.map(identity, mixed, { chunksize: 100 }), mixed);
});
