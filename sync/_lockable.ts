/**
 * How a `Condition` drives the lock it wraps without widening the lock's
 * public API.
 *
 * `Lock` and `RLock` register, per instance, three hooks in a module-private
 * `WeakMap`: whether this agent holds the lock, how to release it completely
 * (an `RLock` may be held several times) returning what to restore, and how
 * to restore that after the lock was acquired again through its public API.
 * This is CPython's `_is_owned` / `_release_save` / `_acquire_restore`.
 *
 * @module
 */

/** What a `Condition` needs from its lock beyond the public API. */
export interface LockHooks {
  /** Whether the calling agent holds the lock. */
  owned(): boolean;
  /** Releases every hold of the calling agent; returns what to restore. */
  save(): number;
  /** After a fresh acquisition, brings back the holds `save()` returned. */
  restore(saved: number): void;
}

const hooks = new WeakMap<object, LockHooks>();

/** Registers the hooks of one lock instance. */
export function registerLockHooks(lock: object, lockHooks: LockHooks): void {
  hooks.set(lock, lockHooks);
}

/** The hooks of a lock instance, or `undefined` for a foreign object. */
export function lockHooksOf(lock: object): LockHooks | undefined {
  return hooks.get(lock);
}
