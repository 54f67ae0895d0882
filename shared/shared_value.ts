/**
 * Single typed values in shared memory with a lock, as Python's
 * `multiprocessing.Value`.
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
import type { DType, InputOf } from "./dtype.ts";
import { RawValue, type RawValueData } from "./raw_value.ts";

/** Data that rebuilds a `SharedValue` (with its lock) over the same memory. */
export interface SharedValueData extends RawValueData {
  /** The description of its lock, `null` for none. */
  lock: {
    kind: "sync.Lock" | "sync.RLock";
    data: { buffer: SharedArrayBuffer; offset: number };
  } | null;
}

/** Options of {@linkcode SharedValue}. */
export interface SharedValueOptions {
  /**
   * The lock that `getLock()` returns: `true` for a new `RLock`, `false` for
   * none, or an existing `Lock`/`RLock` to share. Default `true`.
   */
  lock?: boolean | Lock | RLock;
}

/**
 * One typed value in shared memory with a lock (Python's
 * `multiprocessing.Value`). Every worker that receives it works on the same
 * memory and the same lock.
 *
 * `.value += 1` is a read and a write, not atomic (as in Python): hold
 * `getLock()` around it, or use `add()` on integer types.
 *
 * @typeParam T The type: `SharedValue<"i">` holds a `number`,
 * `SharedValue<"q">` a `bigint`.
 *
 * @example Python's `Value('d', 0.0)`, and an atomic counter
 * ```ts
 * import { SharedValue } from "@mp/multiprocessing/shared";
 * import assert from "node:assert/strict";
 *
 * const num = new SharedValue("d", 0.0);
 * num.value = 3.1415927;
 * assert.equal(num.value, 3.1415927);
 *
 * const count = new SharedValue("i", 0);
 * assert.equal(count.add(1), 0); // returns the old value
 * assert.equal(count.value, 1);
 * ```
 */
export class SharedValue<T extends DType = DType> extends RawValue<T> {
  #lock: Lock | RLock | null;
  #raw: RawValue<T> | undefined;

  /**
   * Allocates the value, zero unless `initial` is given, with a lock.
   *
   * @param type The type, e.g. `"i"`, `"d"` or `"uint64"`.
   * @param initial The initial value. Default: zero of the type.
   * @param options The lock.
   * @throws {TypeError} If the type is unknown, `initial` has the wrong type
   * or `lock` is not a boolean, `Lock` or `RLock`.
   * @throws {RangeError} If `initial` is out of the type's range.
   */
  constructor(type: T, initial?: InputOf<T>, options: SharedValueOptions = {}) {
    super(type, initial);
    this.#lock = resolveLock("Cannot create SharedValue", options.lock);
  }

  /**
   * The lock that guards this value, shared by every copy of it.
   *
   * @returns The `RLock` (or the lock given as `options.lock`).
   * @throws {TypeError} If the value was created with `lock: false`.
   *
   * @example Python's `with v.get_lock(): v.value += 1`
   * ```ts
   * import { SharedValue } from "@mp/multiprocessing/shared";
   * import assert from "node:assert/strict";
   *
   * const v = new SharedValue("d", 1.5);
   * {
   *   using _guard = await v.getLock().acquire();
   *   v.value += 1;
   * }
   * assert.equal(v.value, 2.5);
   * ```
   */
  getLock(): Lock | RLock {
    return requireLock("SharedValue", this.#lock);
  }

  /**
   * The value without its lock (Python's `get_obj()`), over the same memory.
   *
   * @returns A `RawValue` over the same memory.
   *
   * @example
   * ```ts
   * import { RawValue, SharedValue } from "@mp/multiprocessing/shared";
   * import assert from "node:assert/strict";
   *
   * const v = new SharedValue("i", 1);
   * const raw = v.getObj();
   * assert.ok(raw instanceof RawValue);
   * raw.value = 5;
   * assert.equal(v.value, 5);
   * ```
   */
  getObj(): RawValue<T> {
    return this.#raw ??= RawValue[revive](elementsOf(this).data()) as RawValue<
      T
    >;
  }

  /**
   * Describes this value and its lock for another worker.
   *
   * @returns `{ kind: "shared.SharedValue", data }`.
   */
  override [describe](): {
    kind: string;
    data: SharedValueData;
  } {
    const data: SharedValueData = {
      ...elementsOf(this).data(),
      lock: describeLock(this.#lock),
    };
    return { kind: "shared.SharedValue", data };
  }

  /**
   * Rebuilds a value, with its lock, over the memory of a description.
   *
   * @param data The `data` of a description from `[describe]()`.
   * @returns A `SharedValue` over the same memory and lock.
   */
  static override [revive](data: SharedValueData): SharedValue {
    return new SharedValue(
      data.type,
      new Adopt(Elements.adopt("SharedValue", data)) as never,
      { lock: reviveLock(data.lock) },
    );
  }
}
