/**
 * `DictProxy`: a `Map` that lives on a Manager.
 *
 * @module
 */
import { BaseProxy } from "./base_proxy.ts";
import { invoke } from "./_proxy_reference.ts";

/**
 * A shared dictionary with `Map` semantics, held by a Manager (Python's
 * `manager.dict()`). Keys keep their types: `1`, `"1"` and `0.25` are three
 * keys. Keys must be primitives (strings, numbers, bigints, booleans,
 * `null`, `undefined`); values may be anything the codec carries, including
 * other proxies, which come back as proxies.
 *
 * Values are copies: `(await dict.get("list")).push(1)` changes your copy
 * only (Python's classic footgun, made visible by `await`). To share a
 * nested structure, store a proxy (`await manager.list()`) instead, or
 * `set()` the changed value back.
 *
 * @example
 * ```ts
 * import { Manager } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * await using manager = await Manager.start();
 * const d = await manager.dict<string | number, unknown>();
 * await d.set(1, "1");
 * await d.set("2", 2);
 * await d.set(0.25, null);
 * assert.equal(await d.size(), 3);
 * assert.equal(await d.get(1), "1");
 * assert.equal(await d.get("1"), undefined);
 * assert.deepEqual(await d.entries(), [[1, "1"], ["2", 2], [0.25, null]]);
 * ```
 */
export class DictProxy<K = unknown, V = unknown> extends BaseProxy {
  /**
   * The value of `key`, or `undefined`.
   *
   * @param key The key.
   * @returns A copy of its value.
   */
  get(key: K): Promise<V | undefined> {
    return invoke(this, "get", [key]) as Promise<V | undefined>;
  }

  /**
   * Sets `key` to `value`.
   *
   * @param key A primitive key.
   * @param value The value (a copy is stored; proxies stay proxies).
   * @throws {TypeError} when `key` is an object or `value` cannot be sent.
   */
  set(key: K, value: V): Promise<void> {
    // The server's set() answers undefined: no async wrapper (and no
    // extra turn of the microtask queue) is needed to drop its result.
    return invoke(this, "set", [key, value]) as Promise<void>;
  }

  /**
   * Whether `key` is present.
   *
   * @param key The key.
   * @returns `true` when present.
   */
  has(key: K): Promise<boolean> {
    return invoke(this, "has", [key]) as Promise<boolean>;
  }

  /**
   * Removes `key`.
   *
   * @param key The key.
   * @returns Whether it was present.
   */
  delete(key: K): Promise<boolean> {
    return invoke(this, "delete", [key]) as Promise<boolean>;
  }

  /**
   * Removes `key` and returns its value, or `fallback` when absent.
   *
   * @param key The key.
   * @param fallback Returned when `key` is absent. Default `undefined`.
   * @returns The removed value or `fallback`.
   */
  pop(key: K, fallback?: V): Promise<V | undefined> {
    return invoke(this, "pop", [key, fallback]) as Promise<V | undefined>;
  }

  /**
   * Returns the value of `key`, first setting it to `fallback` if absent.
   *
   * @param key The key.
   * @param fallback The value to set when absent.
   * @returns The value now stored.
   */
  setdefault(key: K, fallback: V): Promise<V> {
    return invoke(this, "setdefault", [key, fallback]) as Promise<V>;
  }

  /**
   * Sets every entry of `entries` in one call.
   *
   * @param entries A `Map`, an iterable of pairs, or a plain object.
   */
  async update(
    entries: Iterable<readonly [K, V]> | Record<string & K, V>,
  ): Promise<void> {
    const pairs = Symbol.iterator in entries
      ? [...entries as Iterable<readonly [K, V]>]
      : Object.entries(entries);
    await invoke(this, "update", [pairs]);
  }

  /**
   * The keys, in insertion order.
   *
   * @returns A copy of the keys.
   */
  keys(): Promise<K[]> {
    return invoke(this, "keys", []) as Promise<K[]>;
  }

  /**
   * The values, in insertion order.
   *
   * @returns Copies of the values.
   */
  values(): Promise<V[]> {
    return invoke(this, "values", []) as Promise<V[]>;
  }

  /**
   * The entries, in insertion order.
   *
   * @returns Copies of the `[key, value]` pairs.
   */
  entries(): Promise<[K, V][]> {
    return invoke(this, "entries", []) as Promise<[K, V][]>;
  }

  /**
   * The number of entries.
   *
   * @returns The count.
   */
  size(): Promise<number> {
    return invoke(this, "size", []) as Promise<number>;
  }

  /** Removes every entry. */
  async clear(): Promise<void> {
    await invoke(this, "clear", []);
  }

  /**
   * A copy of the whole dictionary.
   *
   * @returns A local `Map`.
   */
  toMap(): Promise<Map<K, V>> {
    return invoke(this, "toMap", []) as Promise<Map<K, V>>;
  }

  /** Iterates over a snapshot of the entries. */
  async *[Symbol.asyncIterator](): AsyncGenerator<[K, V]> {
    yield* await this.entries();
  }
}
