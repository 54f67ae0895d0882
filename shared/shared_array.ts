/**
 * Typed arrays in shared memory with a lock, as Python's
 * `multiprocessing.Array`.
 *
 * @module
 */
import { describe, revive } from "../sync/_shareable.ts";
import { Adopt, Elements, elementsOf } from "./_elements.ts";
import {
  describeLock,
  requireLock,
  resolveLock,
  reviveLock,
} from "./_lock_option.ts";
import type { Lock } from "../sync/lock.ts";
import type { RLock } from "../sync/rlock.ts";
import type { DType } from "./dtype.ts";
import { type ArrayInit, RawArray, type RawArrayData } from "./raw_array.ts";

/** Data that rebuilds a `SharedArray` (with its lock) over the same memory. */
export interface SharedArrayData extends RawArrayData {
  /** The description of its lock, `null` for none. */
  lock: {
    kind: "sync.Lock" | "sync.RLock";
    data: { buffer: SharedArrayBuffer; offset: number };
  } | null;
}

/** Options of {@linkcode SharedArray}. */
export interface SharedArrayOptions {
  /**
   * The lock that `getLock()` returns: `true` for a new `RLock`, `false` for
   * none, or an existing `Lock`/`RLock` to share. Default `true`.
   */
  lock?: boolean | Lock | RLock;
}

/**
 * A fixed-length typed array in shared memory with a lock (Python's
 * `multiprocessing.Array`). Every worker that receives it works on the same
 * memory and the same lock.
 *
 * Single reads and writes are plain memory accesses; a read-modify-write
 * such as `a.set(0, a.get(0) + 1)` is not atomic: hold `getLock()` around
 * it, or use the atomic `add()`.
 *
 * @typeParam T The element type: a Python type code or a readable name.
 *
 * @example Python's `Array('i', range(10))`
 * ```ts
 * import { SharedArray } from "@mp/multiprocessing/shared";
 * import assert from "node:assert/strict";
 *
 * const a = new SharedArray("i", [0, 1, 2, 3]);
 * for (let i = 0; i < a.length; i++) a.set(i, -a.get(i));
 * assert.deepEqual(a.toArray(), [0, -1, -2, -3]);
 * assert.equal(a.add(1, 5), -1); // atomic, returns the old value
 * assert.equal(a.get(1), 4);
 * ```
 */
export class SharedArray<T extends DType = DType> extends RawArray<T> {
  #lock: Lock | RLock | null;
  #raw: RawArray<T> | undefined;

  /**
   * Allocates a zero-filled array of `lengthOrValues` elements, or one that
   * holds the given values, with a lock.
   *
   * @param type The element type, e.g. `"i"` or `"float64"`.
   * @param lengthOrValues A length, or the initial values.
   * @param options The lock.
   * @throws {TypeError} If the type is unknown, a value has the wrong type
   * or `lock` is not a boolean, `Lock` or `RLock`.
   * @throws {RangeError} If the length is negative or not an integer, or a
   * value is out of the type's range.
   */
  constructor(
    type: T,
    lengthOrValues: ArrayInit<T>,
    options: SharedArrayOptions = {},
  ) {
    super(type, lengthOrValues);
    this.#lock = resolveLock("Cannot create SharedArray", options.lock);
  }

  /**
   * The lock that guards this array, shared by every copy of it.
   *
   * @returns The `RLock` (or the lock given as `options.lock`).
   * @throws {TypeError} If the array was created with `lock: false`.
   *
   * @example A read-modify-write of several elements under the lock
   * ```ts
   * import { SharedArray } from "@mp/multiprocessing/shared";
   * import assert from "node:assert/strict";
   *
   * const a = new SharedArray("i", [1, 2, 3]);
   * {
   *   using _guard = a.getLock().acquireSync();
   *   for (let i = 0; i < a.length; i++) a.set(i, a.get(i) * 10);
   * }
   * assert.deepEqual(a.toArray(), [10, 20, 30]);
   * ```
   */
  getLock(): Lock | RLock {
    return requireLock("SharedArray", this.#lock);
  }

  /**
   * The array without its lock (Python's `get_obj()`), over the same memory.
   *
   * @returns A `RawArray` over the same memory.
   *
   * @example
   * ```ts
   * import { RawArray, SharedArray } from "@mp/multiprocessing/shared";
   * import assert from "node:assert/strict";
   *
   * const a = new SharedArray("d", 2);
   * const raw = a.getObj();
   * assert.ok(raw instanceof RawArray);
   * raw.set(1, 0.5);
   * assert.equal(a.get(1), 0.5);
   * ```
   */
  getObj(): RawArray<T> {
    return this.#raw ??= RawArray[revive](elementsOf(this).data()) as RawArray<
      T
    >;
  }

  /**
   * Describes this array and its lock for another worker.
   *
   * @returns `{ kind: "shared.SharedArray", data }`.
   */
  override [describe](): {
    kind: string;
    data: SharedArrayData;
  } {
    const data: SharedArrayData = {
      ...elementsOf(this).data(),
      lock: describeLock(this.#lock),
    };
    return { kind: "shared.SharedArray", data };
  }

  /**
   * Rebuilds an array, with its lock, over the memory of a description.
   *
   * @param data The `data` of a description from `[describe]()`.
   * @returns A `SharedArray` over the same memory and lock.
   */
  static override [revive](data: SharedArrayData): SharedArray {
    return new SharedArray(
      data.type,
      new Adopt(Elements.adopt("SharedArray", data)) as never,
      { lock: reviveLock(data.lock) },
    );
  }
}
