/**
 * The lock of a synchronized shared object (`SharedValue`, `SharedArray`), as
 * Python's `sharedctypes.synchronized` chooses it: by default a new `RLock`;
 * `lock: false` for none; or a `Lock`/`RLock` the caller already has.
 *
 * The lock travels inside the object's description (as its own description,
 * nested), so every copy of the object in every worker shares the one lock.
 *
 * @module
 */
import { describe, revive } from "../sync/_shareable.ts";
import { Lock } from "../sync/lock.ts";
import { RLock } from "../sync/rlock.ts";
import { quote } from "./_quote.ts";

/** The description of a lock, as nested in a shared object's description. */
export interface LockDescription {
  /** `"sync.Lock"` or `"sync.RLock"`. */
  kind: "sync.Lock" | "sync.RLock";
  /** The lock's memory. */
  data: { buffer: SharedArrayBuffer; offset: number };
}

/** The lock for `option`, or `null` for `lock: false`. */
export function resolveLock(
  what: string,
  option: unknown,
): Lock | RLock | null {
  if (option === undefined || option === true) return new RLock();
  if (option === false) return null;
  if (option instanceof RLock || option instanceof Lock) return option;
  throw new TypeError(
    `${what} as lock must be a boolean, a Lock or an RLock: received ${
      quote(option)
    }`,
  );
}

/**
 * `getLock()` of the object `name`: its lock.
 *
 * @throws {TypeError} When it was created with `lock: false`.
 */
export function requireLock(
  name: string,
  lock: Lock | RLock | null,
): Lock | RLock {
  if (lock === null) {
    throw new TypeError(
      `Cannot get the lock of ${name} as it was created with lock: false`,
    );
  }
  return lock;
}

/** The description of `lock`, or `null`. */
export function describeLock(
  lock: Lock | RLock | null,
): LockDescription | null {
  return lock === null ? null : lock[describe]();
}

/** Rebuilds a lock from its description; `false` (no lock) for `null`. */
export function reviveLock(
  description: LockDescription | null,
): Lock | RLock | false {
  if (description === null) return false;
  return description.kind === "sync.RLock"
    ? RLock[revive](description.data)
    : Lock[revive](description.data);
}
