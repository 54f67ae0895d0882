/**
 * `ArrayProxy`: a fixed-length array that lives on a Manager.
 *
 * @module
 */
import { BaseProxy } from "./base_proxy.ts";
import { invoke } from "./_proxy_reference.ts";

/**
 * A shared fixed-length array held by a Manager (Python's
 * `manager.Array()`): items are read and replaced by index, never added or
 * removed. For growing lists use `manager.list()`.
 *
 * @example
 * ```ts
 * import { Manager } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager.start();
 * const a = await manager.array([1, 2, 3]);
 * await a.set(0, 10);
 * assert.deepEqual(await a.toArray(), [10, 2, 3]);
 * await assert.rejects(a.get(3), RangeError);
 * ```
 */
export class ArrayProxy<T = unknown> extends BaseProxy {
  /**
   * The item at `index` (negative counts from the end).
   *
   * @param index An integer index.
   * @returns A copy of the item.
   * @throws {RangeError} when the index is out of range.
   */
  get(index: number): Promise<T> {
    return invoke(this, "get", [index]) as Promise<T>;
  }

  /**
   * Replaces the item at `index`.
   *
   * @param index An integer index.
   * @param value The new item.
   * @throws {RangeError} when the index is out of range.
   */
  async set(index: number, value: T): Promise<void> {
    await invoke(this, "set", [index, value]);
  }

  /**
   * The number of items.
   *
   * @returns The length.
   */
  length(): Promise<number> {
    return invoke(this, "length", []) as Promise<number>;
  }

  /**
   * A copy of the items.
   *
   * @returns A local array.
   */
  toArray(): Promise<T[]> {
    return invoke(this, "toArray", []) as Promise<T[]>;
  }
}
