import assert from "node:assert/strict";
import { SpinBudget, SpinTrial, WaitBudget } from "../../ipc/_local_budget.ts";

/** The `spinning` answers of the next `n` calls, each recorded as `ms`. */
function modes(trial: SpinTrial, n: number, ms: (spin: boolean) => number) {
  const seen: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const spin = trial.spinning;
    seen.push(spin);
    trial.record(ms(spin));
  }
  return seen;
}

Deno.test("SpinTrial alternates every call, or every 2 ** shift calls, during a trial", () => {
  assert.deepEqual(modes(new SpinTrial(), 6, () => 1), [
    true,
    false,
    true,
    false,
    true,
    false,
  ]);
  assert.deepEqual(modes(new SpinTrial(1), 8, () => 1), [
    true,
    true,
    false,
    false,
    true,
    true,
    false,
    false,
  ]);
});

Deno.test("SpinTrial spins after a trial only when spinning timed clearly faster", () => {
  const faster = new SpinTrial();
  modes(faster, 128, (spin) => (spin ? 1 : 2));
  assert.ok(modes(faster, 100, () => 1).every((spin) => spin));

  const level = new SpinTrial(1);
  modes(level, 128, (spin) => (spin ? 0.9 : 1));
  assert.ok(modes(level, 100, () => 1).every((spin) => !spin));
});

Deno.test("SpinTrial tries again after a first stretch of 250 calls, then 500", () => {
  const trial = new SpinTrial();
  modes(trial, 128, (spin) => (spin ? 1 : 2)); // first trial: spin
  assert.ok(modes(trial, 250, () => 1).every((spin) => spin));
  // Second trial: alternating again, and now still wins.
  assert.deepEqual(modes(trial, 4, (spin) => (spin ? 2 : 1)), [
    true,
    false,
    true,
    false,
  ]);
  modes(trial, 124, (spin) => (spin ? 2 : 1));
  assert.ok(modes(trial, 500, () => 1).every((spin) => !spin));
  assert.deepEqual(modes(trial, 2, () => 1), [true, false]);
});

Deno.test("SpinBudget halves on a miss down to zero, then probes every 8th wait", () => {
  const budget = new SpinBudget(8);
  assert.equal(budget.next(), 8);
  budget.miss();
  assert.equal(budget.next(), 4);
  budget.miss();
  budget.miss();
  budget.miss();
  const next = Array.from({ length: 8 }, () => budget.next());
  assert.deepEqual(next, [0, 0, 0, 0, 0, 0, 0, 8]);
  budget.hit();
  assert.equal(budget.next(), 8);
});

Deno.test("WaitBudget stops blocking after a miss and probes every 8th wait", () => {
  const budget = new WaitBudget(100);
  assert.equal(budget.next(), 100);
  budget.miss();
  const next = Array.from({ length: 8 }, () => budget.next());
  assert.deepEqual(next, [0, 0, 0, 0, 0, 0, 0, 100]);
  budget.hit();
  assert.equal(budget.next(), 100);
});
