/**
 * `RedisDict`: a `Map` held by Redis, shared by processes on any machine.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import {
  closeRedis,
  type Connected,
  openRedis,
  Script,
} from "./_redis_client.ts";
import { pack, packKey, unpack } from "./_stored_value.ts";
import type { RedisTarget } from "./redis_connection.ts";

/** Options of `RedisDict.connect()`. */
export interface RedisDictOptions {
  /** Where Redis is. Default `"redis://127.0.0.1:6379"`. */
  redis?: RedisTarget;
}

// KEYS: the hash (field → value), the order (field → insertion number) and
// the insertion counter.
const SET = new Script(
  3,
  `for i = 1, #ARGV, 2 do
  if redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[i])
  end
end
return 1`,
);
const DELETE = new Script(
  2,
  `local v = redis.call('HGET', KEYS[1], ARGV[1])
if v then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
end
return v`,
);
const SETDEFAULT = new Script(
  3,
  `local v = redis.call('HGET', KEYS[1], ARGV[1])
if v then return v end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[1])
return ARGV[2]`,
);
const PAGE = new Script(
  2,
  `local items = redis.call('ZRANGE', KEYS[2], '(' .. ARGV[1], '+inf', 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[2]), 'WITHSCORES')
local out = {}
for i = 1, #items, 2 do
  out[#out + 1] = items[i]
  out[#out + 1] = items[i + 1]
  out[#out + 1] = redis.call('HGET', KEYS[1], items[i])
end
return out`,
);

const PAGE_SIZE = 500;

/**
 * A dictionary with `Map` semantics in Redis (a hash, plus a sorted set
 * that keeps insertion order), the shape of the Manager's `DictProxy`.
 * Keys keep their types: `1`, `"1"` and `0.25` are three keys. Keys must
 * be primitives (strings, numbers, bigints, booleans, `null`,
 * `undefined`); values may be anything the package's codec carries (not
 * shared memory). Every handle with the same `name` on the same Redis is
 * the same dictionary; single calls are atomic.
 *
 * Values are copies: change one, then `set()` it back.
 *
 * Needs `--allow-net` and `--allow-env`.
 *
 * @example Needs a Redis on 127.0.0.1:6379, hence `ignore`
 * ```ts ignore
 * import { RedisDict } from "@mp/multiprocessing/cluster";
 * import assert from "node:assert/strict";
 *
 * await using d = await RedisDict.connect<string | number, unknown>("config");
 * await d.set(1, "1");
 * await d.set("1", 2);
 * await d.set(0.25, null);
 * assert.equal(await d.size(), 3);
 * assert.equal(await d.get(1), "1");
 * assert.deepEqual(await d.keys(), [1, "1", 0.25]);
 * await d.unlink();
 * ```
 */
export class RedisDict<K = unknown, V = unknown>
  implements AsyncIterable<[K, V]>, AsyncDisposable {
  readonly #name: string;
  readonly #conn: Connected;
  readonly #keys: [string, string, string];

  private constructor(
    name: string,
    conn: Connected,
    keys: [string, string, string],
  ) {
    this.#name = name;
    this.#conn = conn;
    this.#keys = keys;
  }

  /**
   * Connects to the dictionary `name` (empty until something is set).
   *
   * @param name The dictionary's name; handles with the same name share it.
   * @param options Where Redis is.
   * @returns A connected handle.
   * @throws {TypeError} when `name` is not a non-empty string.
   * @throws {RedisConnectionError} when Redis cannot be reached.
   *
   * @example Needs a Redis on 127.0.0.1:6379, hence `ignore`
   * ```ts ignore
   * import { RedisDict } from "@mp/multiprocessing/cluster";
   * import assert from "node:assert/strict";
   *
   * await using a = await RedisDict.connect<string, number>("counts");
   * await using b = await RedisDict.connect<string, number>("counts");
   * await a.set("x", 1);
   * assert.equal(await b.get("x"), 1);
   * await a.unlink();
   * ```
   */
  static async connect<K = unknown, V = unknown>(
    name: string,
    options: RedisDictOptions = {},
  ): Promise<RedisDict<K, V>> {
    if (typeof name !== "string" || name === "") {
      throw new TypeError(
        `Cannot connect RedisDict as name must be a non-empty string: received ${
          JSON.stringify(name) ?? String(name)
        }`,
      );
    }
    const base = `mp:dict:{${name}}`;
    const conn = await openRedis(
      options.redis,
      `RedisDict "${name}"`,
      `mp-dict-${name}`,
    );
    return new RedisDict<K, V>(name, conn, [
      `${base}:h`,
      `${base}:z`,
      `${base}:n`,
    ]);
  }

  /** The dictionary's name. */
  get name(): string {
    return this.#name;
  }

  /**
   * The value of `key`, or `undefined`.
   *
   * @param key The key.
   * @returns A copy of its value.
   * @throws {TypeError} when `key` is not a primitive.
   */
  async get(key: K): Promise<V | undefined> {
    const value = await this.#conn.redis.hgetBuffer(
      this.#keys[0],
      this.#key(key),
    );
    return value === null ? undefined : unpack(value) as V;
  }

  /**
   * Sets `key` to `value`; a new key goes last in the order.
   *
   * @param key A primitive key.
   * @param value The value (a copy is stored).
   * @returns Once stored.
   * @throws {TypeError} when `key` is an object or `value` cannot be encoded.
   */
  async set(key: K, value: V): Promise<void> {
    await SET.run(this.#conn.redis, this.#keys, [
      this.#key(key),
      pack(value, "value"),
    ]);
  }

  /**
   * Whether `key` is present.
   *
   * @param key The key.
   * @returns True when present.
   * @throws {TypeError} when `key` is not a primitive.
   */
  async has(key: K): Promise<boolean> {
    return await this.#conn.redis.hexists(this.#keys[0], this.#key(key)) === 1;
  }

  /**
   * Removes `key`.
   *
   * @param key The key.
   * @returns Whether it was present.
   * @throws {TypeError} when `key` is not a primitive.
   */
  async delete(key: K): Promise<boolean> {
    return await this.#remove(key) !== null;
  }

  /**
   * Removes `key` and returns its value (Python's `dict.pop`).
   *
   * @param key The key.
   * @param fallback Returned when `key` is absent. Default `undefined`.
   * @returns The removed value, or `fallback`.
   * @throws {TypeError} when `key` is not a primitive.
   */
  async pop(key: K, fallback?: V): Promise<V | undefined> {
    const value = await this.#remove(key);
    return value === null ? fallback : unpack(value) as V;
  }

  /**
   * The value of `key`, setting it to `fallback` first when absent
   * (Python's `dict.setdefault`), atomically.
   *
   * @param key The key.
   * @param fallback The value to set when `key` is absent.
   * @returns The value now held.
   * @throws {TypeError} when `key` is not a primitive or `fallback` cannot
   * be encoded.
   */
  async setdefault(key: K, fallback: V): Promise<V> {
    const value = await SETDEFAULT.run(this.#conn.redis, this.#keys, [
      this.#key(key),
      pack(fallback, "fallback"),
    ]);
    return unpack(value as Buffer) as V;
  }

  /**
   * Sets every entry of `entries` in one atomic step (Python's
   * `dict.update`).
   *
   * @param entries A `Map`, an iterable of pairs, or a plain object.
   * @returns Once stored.
   * @throws {TypeError} when a key is not a primitive or a value cannot be
   * encoded.
   */
  async update(
    entries: Iterable<readonly [K, V]> | Record<string, V>,
  ): Promise<void> {
    const pairs: Iterable<readonly [unknown, V]> = Symbol.iterator in entries
      ? entries as Iterable<readonly [K, V]>
      : Object.entries(entries as Record<string, V>);
    const args: Buffer[] = [];
    for (const [key, value] of pairs) {
      args.push(this.#key(key as K), pack(value, "value"));
    }
    if (args.length > 0) await SET.run(this.#conn.redis, this.#keys, args);
  }

  /**
   * The keys, in insertion order.
   *
   * @returns The keys.
   */
  async keys(): Promise<K[]> {
    const out: K[] = [];
    for await (const [key] of this) out.push(key);
    return out;
  }

  /**
   * The values, in insertion order of their keys.
   *
   * @returns Copies of the values.
   */
  async values(): Promise<V[]> {
    const out: V[] = [];
    for await (const [, value] of this) out.push(value);
    return out;
  }

  /**
   * The entries, in insertion order.
   *
   * @returns `[key, value]` pairs.
   */
  async entries(): Promise<[K, V][]> {
    const out: [K, V][] = [];
    for await (const entry of this) out.push(entry);
    return out;
  }

  /**
   * The entries as a local `Map`.
   *
   * @returns A new `Map` with copies of the entries.
   */
  async toMap(): Promise<Map<K, V>> {
    return new Map(await this.entries());
  }

  /**
   * The number of keys.
   *
   * @returns The count.
   */
  async size(): Promise<number> {
    return await this.#conn.redis.hlen(this.#keys[0]);
  }

  /**
   * Removes every key.
   *
   * @returns Once cleared.
   */
  async clear(): Promise<void> {
    await this.#conn.redis.del(this.#keys[0], this.#keys[1]);
  }

  /**
   * Iterates over the entries in insertion order, a page of 500 at a time:
   * entries set while iterating are seen, deleted ones are skipped.
   *
   * @returns An async iterator of `[key, value]` pairs.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<[K, V]> {
    let after = "0";
    for (;;) {
      const page = await PAGE.run(this.#conn.redis, this.#keys.slice(0, 2), [
        after,
        PAGE_SIZE,
      ]) as (Buffer | null)[];
      for (let i = 0; i < page.length; i += 3) {
        const value = page[i + 2];
        if (value === null || value === undefined) continue;
        yield [unpack(page[i]!) as K, unpack(value) as V];
      }
      if (page.length < PAGE_SIZE * 3) return;
      after = String(page[page.length - 2]);
    }
  }

  /**
   * Deletes the dictionary from Redis, counter included.
   *
   * @returns Once deleted.
   */
  async unlink(): Promise<void> {
    await this.#conn.redis.del(...this.#keys);
  }

  /**
   * Closes this handle's connection; the dictionary stays in Redis.
   * Idempotent.
   *
   * @returns Once closed.
   */
  disconnect(): Promise<void> {
    return closeRedis(this.#conn.redis);
  }

  /** Same as `disconnect()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.disconnect();
  }

  #key(key: K): Buffer {
    return packKey(key, `RedisDict "${this.#name}"`);
  }

  #remove(key: K): Promise<Buffer | null> {
    return DELETE.run(this.#conn.redis, this.#keys.slice(0, 2), [
      this.#key(key),
    ]) as Promise<Buffer | null>;
  }
}
