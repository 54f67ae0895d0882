/**
 * `ValueProxy`: one value that lives on a Manager.
 *
 * @module
 */
import { BaseProxy } from "./base_proxy.ts";
import { invoke } from "./_proxy_reference.ts";

/**
 * A shared value held by a Manager (Python's `manager.Value()`). Reading
 * then writing is two calls, not one atomic step: guard read-modify-write
 * with a `manager.lock()`.
 *
 * @example
 * ```ts
 * import { Manager } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager.start();
 * const counter = await manager.value(0);
 * const lock = await manager.lock();
 * {
 *   await using _held = await lock.acquire();
 *   await counter.set((await counter.get()) + 1);
 * }
 * assert.equal(await counter.get(), 1);
 * ```
 */
export class ValueProxy<T = unknown> extends BaseProxy {
  /**
   * The current value.
   *
   * @returns A copy of it.
   */
  get(): Promise<T> {
    return invoke(this, "get", []) as Promise<T>;
  }

  /**
   * Replaces the value.
   *
   * @param value The new value.
   */
  async set(value: T): Promise<void> {
    await invoke(this, "set", [value]);
  }
}
