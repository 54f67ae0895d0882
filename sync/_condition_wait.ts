/**
 * How a `Condition` waits and notifies, on the lock it wraps.
 *
 * A waiter must hold the lock. It takes a ticket in the waiter queue
 * (`_waiter_queue.ts`), releases the lock completely (every hold of an
 * `RLock`, through the lock's hooks of `_lockable.ts`), sleeps until it is
 * notified, times out or is aborted, then acquires the lock again and
 * restores its holds before returning or throwing, whatever ended the
 * sleep. `waitFor` repeats that until a predicate holds, within one
 * deadline. A notifier must hold the lock too.
 *
 * @module
 */
import {
  checkWaitOptions,
  Deadline,
  runAsync,
  runSync,
  timeoutError,
} from "./_futex.ts";
import type { LockHooks } from "./_lockable.ts";
import { describeValue } from "./_region.ts";
import type { WaiterQueue } from "./_waiter_queue.ts";
import type { Guard } from "./guard.ts";
import type { WaitOptions, WaitSyncOptions } from "./wait_options.ts";

/** What the waits act on: the lock's public API. */
export interface WaitLock {
  acquire(): Promise<Guard>;
  acquireSync(): Guard;
}

/** The waits and notifies of one `Condition`. */
export class ConditionWaits {
  readonly #queue: WaiterQueue;
  readonly #lock: WaitLock;
  readonly #hooks: LockHooks;

  constructor(queue: WaiterQueue, lock: WaitLock, hooks: LockHooks) {
    this.#queue = queue;
    this.#lock = lock;
    this.#hooks = hooks;
  }

  /** `Condition.wait()`. */
  async wait(options?: WaitOptions): Promise<void> {
    const timeout = checkWaitOptions("wait on Condition", options);
    const signal = options?.signal;
    signal?.throwIfAborted();
    const ticket = this.#enqueue();
    const saved = this.#hooks.save();
    let outcome;
    try {
      outcome = await runAsync(this.#queue.waiting(ticket, timeout), signal);
    } finally {
      try {
        await this.#lock.acquire();
      } finally {
        this.#hooks.restore(saved);
      }
    }
    if (outcome === "aborted") throw signal?.reason;
    if (outcome === "timed-out") {
      throw timeoutError("wait on Condition", timeout);
    }
  }

  /** `Condition.waitSync()`. */
  waitSync(options?: WaitSyncOptions): void {
    const timeout = checkWaitOptions("wait on Condition", options);
    const ticket = this.#enqueue();
    const saved = this.#hooks.save();
    let outcome;
    try {
      outcome = runSync(this.#queue.waiting(ticket, timeout));
    } finally {
      try {
        this.#lock.acquireSync();
      } finally {
        this.#hooks.restore(saved);
      }
    }
    if (outcome === "timed-out") {
      throw timeoutError("wait on Condition", timeout);
    }
  }

  /** `Condition.waitFor()`, waiting with `condition.wait()`. */
  async waitFor<T>(
    predicate: () => T,
    options: WaitOptions | undefined,
    condition: { wait(options: WaitOptions): Promise<void> },
  ): Promise<T> {
    const timeout = checkWaitOptions("wait on Condition", options);
    const deadline = new Deadline(timeout);
    for (;;) {
      const result = predicate();
      if (result) return result;
      const remaining = deadline.remaining();
      if (remaining === 0) throw timeoutError("wait on Condition", timeout);
      const signal = options?.signal;
      await condition.wait(
        signal === undefined
          ? { timeout: remaining }
          : { timeout: remaining, signal },
      );
    }
  }

  /** `Condition.waitForSync()`, waiting with `condition.waitSync()`. */
  waitForSync<T>(
    predicate: () => T,
    options: WaitSyncOptions | undefined,
    condition: { waitSync(options: WaitSyncOptions): void },
  ): T {
    const timeout = checkWaitOptions("wait on Condition", options);
    const deadline = new Deadline(timeout);
    for (;;) {
      const result = predicate();
      if (result) return result;
      const remaining = deadline.remaining();
      if (remaining === 0) throw timeoutError("wait on Condition", timeout);
      condition.waitSync({ timeout: remaining });
    }
  }

  /** `Condition.notify()`. */
  notify(n: number): number {
    if (typeof n !== "number") {
      throw new TypeError(
        `Cannot notify Condition as n must be a number: received ${
          describeValue(n)
        }`,
      );
    }
    if (!(n >= 0) || (!Number.isInteger(n) && n !== Infinity)) {
      throw new RangeError(
        `Cannot notify Condition as n must be a non-negative integer: received ${
          describeValue(n)
        }`,
      );
    }
    this.#checkOwned("notify Condition");
    return this.#queue.notify(n);
  }

  #checkOwned(action: string): void {
    if (!this.#hooks.owned()) {
      throw new Error(
        `Cannot ${action} as this agent does not hold its lock: acquire it first`,
      );
    }
  }

  /** Queues the caller, which must hold the lock. */
  #enqueue(): number {
    this.#checkOwned("wait on Condition");
    return this.#queue.enqueue();
  }
}
