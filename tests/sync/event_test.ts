import assert from "node:assert/strict";
import { describe, revive } from "../../sync/_shareable.ts";
import { Event } from "../../sync/mod.ts";
import { desc, Remote, remotes } from "./_remote.ts";

function words(event: Event): Int32Array {
  const { data } = event[describe]();
  return new Int32Array(data.buffer, data.offset, 2);
}

/** Resolves once `n` agents sleep on the event (generous, not timed). */
async function sleepers(event: Event, n: number): Promise<void> {
  while (Atomics.load(words(event), 1) !== n) {
    await new Promise((r) => setTimeout(r, 1));
  }
}

for (const sync of [false, true]) {
  const form = sync ? "waitSync()" : "wait()";
  Deno.test(`Event.${form} in a worker returns once the main thread calls set()`, async () => {
    await using worker = await Remote.start();
    const event = new Event();
    const waiting = worker.call("eventWait", { event: desc(event), sync });
    await sleepers(event, 1);
    event.set();
    assert.equal(await waiting, "set");
  });

  Deno.test(`Event.${form} returns for a set() that is cleared again at once`, async () => {
    await using worker = await Remote.start();
    const event = new Event();
    const waiting = worker.call("eventWait", { event: desc(event), sync });
    await sleepers(event, 1);
    event.set();
    event.clear();
    assert.equal(await waiting, "set");
    assert.equal(event.isSet(), false);
  });

  Deno.test(`Event.${form} ping-pong between 2 workers runs 1,000 rounds`, async () => {
    const [a, b] = await remotes(2);
    try {
      const ping = new Event();
      const pong = new Event();
      const rounds = 1_000;
      const done = Promise.all([
        a!.call("eventPingPong", {
          mine: desc(ping),
          other: desc(pong),
          rounds,
          sync,
        }),
        b!.call("eventPingPong", {
          mine: desc(pong),
          other: desc(ping),
          rounds,
          sync,
        }),
      ]);
      ping.set();
      assert.deepEqual(await done, [rounds, rounds]);
    } finally {
      a!.terminate();
      b!.terminate();
    }
  });

  Deno.test(`Event.${form} in a worker times out with a TimeoutError`, async () => {
    await using worker = await Remote.start();
    const event = new Event();
    await assert.rejects(
      worker.call("eventWait", { event: desc(event), sync, timeout: 10 }),
      { name: "TimeoutError" },
    );
    assert.equal(Atomics.load(words(event), 1), 0);
  });
}

Deno.test("Event.wait() on the main thread returns when a worker calls set()", async () => {
  await using worker = await Remote.start();
  const event = new Event();
  const waiting = event.wait();
  await worker.call("eventSet", { event: desc(event) });
  await waiting;
  assert.equal(event.isSet(), true);
  await event.wait({ timeout: 0 }); // already set: no waiting
  event.waitSync({ timeout: 0 });
});

Deno.test("Event.wait() rejects with signal.reason on abort and leaves no waiter", async () => {
  const event = new Event();
  const reason = new Error("stop");
  const controller = new AbortController();
  const waiting = event.wait({ signal: controller.signal });
  await sleepers(event, 1);
  controller.abort(reason);
  await assert.rejects(waiting, (e) => e === reason);
  assert.equal(Atomics.load(words(event), 1), 0);
  assert.equal(Atomics.notify(words(event), 0), 0);
  await assert.rejects(event.wait({ timeout: 5 }), { name: "TimeoutError" });
  await assert.rejects(
    event.wait({ signal: AbortSignal.abort(reason) }),
    (e) => e === reason,
  );
});

Deno.test("Event revives over the same flag", () => {
  const event = new Event();
  const { kind, data } = event[describe]();
  assert.equal(kind, "sync.Event");
  const twin = Event[revive](structuredClone(data));
  twin.set();
  assert.equal(event.isSet(), true);
  event.clear();
  assert.equal(twin.isSet(), false);
  assert.throws(() => event.waitSync({ timeout: -5 }), RangeError);
});
