/**
 * Guards that release once: every `acquire()` of `sync/` returns one, so
 * that a `using` scope and an explicit `release()` on the same guard never
 * release twice.
 *
 * `LockGuard` is the one that `Lock` and `RLock` hand out on their hot path:
 * one small object of one class (no closures), so taking and dropping a lock
 * in a tight loop allocates as little as possible and every call site sees
 * the same shape.
 *
 * @module
 */
import type { Guard } from "./guard.ts";

/** Builds a guard that calls `release` at most once. */
export function guardOf(release: () => void): Guard {
  let held = true;
  const once = (): void => {
    if (!held) return;
    held = false;
    release();
  };
  return { release: once, [Symbol.dispose]: once };
}

/** Something a guard releases: a lock. */
export interface Releasable {
  /** Releases one acquisition. */
  release(): void;
}

/** A guard that calls its lock's `release()` at most once. */
export class LockGuard implements Guard {
  #lock: Releasable | undefined;

  constructor(lock: Releasable) {
    this.#lock = lock;
  }

  release(): void {
    const lock = this.#lock;
    if (lock === undefined) return;
    this.#lock = undefined;
    lock.release();
  }

  [Symbol.dispose](): void {
    this.release();
  }
}
