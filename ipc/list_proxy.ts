/**
 * `ListProxy`: an array that lives on a Manager.
 *
 * @module
 */
import { BaseProxy } from "./base_proxy.ts";
import { invoke } from "./_proxy_reference.ts";

/** Options of {@linkcode ListProxy.sort}. */
export interface ListSortOptions {
  /** Sort in descending order. Default `false`. */
  reverse?: boolean;
}

/**
 * A shared list held by a Manager (Python's `manager.list()`). Indexes may
 * be negative (from the end, as in Python); an index out of range is a
 * `RangeError`. Items are copies, except proxies, which stay proxies.
 *
 * @example A child reverses a list (here: the same thread, for brevity)
 * ```ts
 * import { Manager } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager.start();
 * const l = await manager.list<number>([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
 * await l.reverse();
 * assert.deepEqual(await l.toArray(), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
 * assert.equal(await l.get(-1), 0);
 * await l.append(42);
 * assert.equal(await l.length(), 11);
 * ```
 */
export class ListProxy<T = unknown> extends BaseProxy {
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
   * @param index An integer index (negative counts from the end).
   * @param value The new item.
   * @throws {RangeError} when the index is out of range.
   */
  async set(index: number, value: T): Promise<void> {
    await invoke(this, "set", [index, value]);
  }

  /**
   * Adds `value` at the end.
   *
   * @param value The item.
   */
  async append(value: T): Promise<void> {
    await invoke(this, "append", [value]);
  }

  /**
   * Adds every item of `values` at the end, in one call.
   *
   * @param values The items.
   */
  async extend(values: Iterable<T>): Promise<void> {
    await invoke(this, "extend", [[...values]]);
  }

  /**
   * Removes and returns the item at `index` (default: the last).
   *
   * @param index An integer index. Default `-1`.
   * @returns The removed item.
   * @throws {RangeError} when the list is empty or the index out of range.
   */
  pop(index = -1): Promise<T> {
    return invoke(this, "pop", [index]) as Promise<T>;
  }

  /**
   * Inserts `value` before `index` (clamped to the list, as in Python).
   *
   * @param index Where to insert.
   * @param value The item.
   */
  async insert(index: number, value: T): Promise<void> {
    await invoke(this, "insert", [index, value]);
  }

  /**
   * Removes the first item equal to `value` (primitives compare by value).
   *
   * @param value The item to remove.
   * @throws {RangeError} when no item is equal.
   */
  async remove(value: T): Promise<void> {
    await invoke(this, "remove", [value]);
  }

  /**
   * The index of the first item equal to `value`.
   *
   * @param value The item.
   * @returns Its index.
   * @throws {RangeError} when no item is equal.
   */
  index(value: T): Promise<number> {
    return invoke(this, "index", [value]) as Promise<number>;
  }

  /**
   * How many items equal `value`.
   *
   * @param value The item.
   * @returns The count.
   */
  count(value: T): Promise<number> {
    return invoke(this, "count", [value]) as Promise<number>;
  }

  /** Reverses the list in place. */
  async reverse(): Promise<void> {
    await invoke(this, "reverse", []);
  }

  /**
   * Sorts in place: numbers and bigints numerically, strings by code unit.
   *
   * @param options `reverse`.
   * @throws {TypeError} when items of different kinds must be compared.
   */
  async sort(options: ListSortOptions = {}): Promise<void> {
    await invoke(this, "sort", [{ reverse: options.reverse ?? false }]);
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
   * A copy of the items from `start` to `end` (as `Array.prototype.slice`).
   *
   * @param start First index. Default `0`.
   * @param end Index after the last. Default: the length.
   * @returns The items.
   */
  slice(start?: number, end?: number): Promise<T[]> {
    return invoke(this, "slice", [start, end]) as Promise<T[]>;
  }

  /**
   * A copy of the whole list.
   *
   * @returns A local array.
   */
  toArray(): Promise<T[]> {
    return invoke(this, "toArray", []) as Promise<T[]>;
  }

  /** Removes every item. */
  async clear(): Promise<void> {
    await invoke(this, "clear", []);
  }

  /** Iterates over a snapshot of the items. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    yield* await this.toArray();
  }
}
