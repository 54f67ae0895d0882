// Benchmarks of sync/: uncontended acquire/release on one thread, hand-offs
// between 2 workers, and a contended lock around plain increments. Each
// group has a raw-platform baseline. Run: deno bench --allow-all bench/sync_bench.ts
import { Condition, Event, Lock, RLock, Semaphore } from "../sync/mod.ts";
import { desc, remotes } from "../tests/sync/_remote.ts";

const workers = await remotes(2);
globalThis.addEventListener("unload", () => {
  for (const worker of workers) worker.terminate();
});
const [a, b] = workers as [typeof workers[0], typeof workers[0]];

// --- Uncontended, main thread -------------------------------------------

const raw = new Int32Array(new SharedArrayBuffer(4));
const lock = new Lock();
const rlock = new RLock();
const semaphore = new Semaphore(1);

Deno.bench({
  name: "raw Atomics.compareExchange + store",
  group: "uncontended",
  baseline: true,
  fn: () => {
    Atomics.compareExchange(raw, 0, 0, 1);
    Atomics.store(raw, 0, 0);
  },
});
Deno.bench({
  name: "Lock.acquireSync() + release()",
  group: "uncontended",
  fn: () => {
    lock.acquireSync().release();
  },
});
Deno.bench({
  name: "Lock.acquireSync() in a using scope",
  group: "uncontended",
  fn: () => {
    using _guard = lock.acquireSync();
  },
});
// What a `using` scope itself costs in V8 (no lock at all): most of the
// entry above, and the ceiling of any lock taken with `using` in a loop.
const noop: Disposable = { [Symbol.dispose]() {} };
Deno.bench({
  name: "using scope over a no-op Disposable (V8's own cost)",
  group: "uncontended",
  fn: () => {
    using _noop = noop;
  },
});
Deno.bench({
  name: "Lock.tryAcquire() + release()",
  group: "uncontended",
  fn: () => {
    lock.tryAcquire()!.release();
  },
});
Deno.bench({
  name: "await Lock.acquire() + release()",
  group: "uncontended",
  fn: async () => {
    (await lock.acquire()).release();
  },
});
Deno.bench({
  name: "RLock.acquireSync() + release()",
  group: "uncontended",
  fn: () => {
    rlock.acquireSync().release();
  },
});
Deno.bench({
  name: "Semaphore.acquireSync() + release()",
  group: "uncontended",
  fn: () => {
    semaphore.acquireSync().release();
  },
});

// --- Hand-offs between 2 workers ----------------------------------------

const ROUNDS = 1_000;

Deno.bench({
  name: `raw Atomics.wait/notify ping-pong ×${ROUNDS}`,
  group: "2 workers: 1,000 hand-offs",
  baseline: true,
  fn: async () => {
    const turn = new SharedArrayBuffer(4);
    await Promise.all(
      [a, b].map((w, me) =>
        w.call("rawPingPong", { turn, me, rounds: ROUNDS })
      ),
    );
  },
});
for (const sync of [true, false]) {
  Deno.bench({
    name: `Event ${sync ? "waitSync" : "wait"}() ping-pong ×${ROUNDS}`,
    group: "2 workers: 1,000 hand-offs",
    fn: async () => {
      const ping = new Event();
      const pong = new Event();
      const done = Promise.all([
        a.call("eventPingPong", {
          mine: desc(ping),
          other: desc(pong),
          rounds: ROUNDS,
          sync,
        }),
        b.call("eventPingPong", {
          mine: desc(pong),
          other: desc(ping),
          rounds: ROUNDS,
          sync,
        }),
      ]);
      ping.set();
      await done;
    },
  });
}
Deno.bench({
  name: `Condition waitForSync() ping-pong ×${ROUNDS}`,
  group: "2 workers: 1,000 hand-offs",
  fn: async () => {
    const condition = new Condition(new Lock());
    const turn = new SharedArrayBuffer(4);
    await Promise.all([a, b].map((w, me) =>
      w.call("conditionPingPong", {
        condition: desc(condition),
        turn,
        me,
        rounds: ROUNDS,
        sync: true,
      })
    ));
  },
});
Deno.bench({
  name: `Lock.acquireSync() turn-taking ×${ROUNDS}`,
  group: "2 workers: 1,000 hand-offs",
  fn: async () => {
    const turnLock = new Lock();
    const counter = new SharedArrayBuffer(4);
    await Promise.all([a, b].map((w, me) =>
      w.call("lockPingPong", {
        lock: desc(turnLock),
        counter,
        me,
        rounds: ROUNDS,
        sync: true,
      })
    ));
  },
});

// --- Contended lock around plain increments -----------------------------

const N = 100_000; // per worker; 200,000 increments per iteration

Deno.bench({
  name: "raw compareExchange spin lock, 2 × 100,000 increments",
  group: "2 workers: 200,000 locked increments",
  baseline: true,
  fn: async () => {
    const word = new SharedArrayBuffer(4);
    const counter = new SharedArrayBuffer(4);
    await Promise.all(
      [a, b].map((w) => w.call("spinIncrement", { word, counter, n: N })),
    );
  },
});
for (
  const [name, make, sync] of [
    ["Lock.acquireSync()", () => new Lock(), true],
    ["Lock.acquire()", () => new Lock(), false],
    ["RLock.acquireSync()", () => new RLock(), true],
    ["Semaphore(1).acquireSync()", () => new Semaphore(1), true],
  ] as const
) {
  Deno.bench({
    name: `${name}, 2 × 100,000 increments`,
    group: "2 workers: 200,000 locked increments",
    fn: async () => {
      const counter = new SharedArrayBuffer(4);
      const primitive = make();
      await Promise.all(
        [a, b].map((w) =>
          w.call("increment", { lock: desc(primitive), counter, n: N, sync })
        ),
      );
    },
  });
}
