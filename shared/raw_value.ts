/**
 * Single typed values in shared memory without a lock, as Python's
 * `sharedctypes.RawValue`.
 *
 * @module
 */
import { describe, revive } from "../sync/_shareable.ts";
import { Adopt, ATOMIC_OPS, bindElements, Elements } from "./_elements.ts";
import type { DType, InputOf, IntegerType, ValueOf, ViewOf } from "./dtype.ts";

/** Data that rebuilds a `RawValue` over the same memory. */
export interface RawValueData {
  /** The element type, as given to the constructor. */
  type: DType;
  /** The shared memory. */
  buffer: SharedArrayBuffer;
  /** Byte offset of the first element in `buffer`. */
  byteOffset: number;
  /** Number of elements. */
  length: number;
}

function build(owner: string, type: DType, initial: unknown): Elements {
  if (initial instanceof Adopt) return initial.elements;
  const elements = Elements.allocate(owner, type, 1);
  if (initial !== undefined) elements.set(0, initial);
  return elements;
}

/**
 * One typed value in shared memory, without a lock (Python's
 * `sharedctypes.RawValue`). Every worker that receives it works on the same
 * memory.
 *
 * @typeParam T The type: a Python type code or a readable name;
 * `RawValue<"i">` holds a `number`, `RawValue<"q">` a `bigint`.
 *
 * @example
 * ```ts
 * import { RawValue } from "@mp/multiprocessing/shared";
 * import assert from "node:assert/strict";
 *
 * const hits = new RawValue("q", 0n);
 * hits.add(2n);
 * assert.equal(hits.value, 2n);
 * assert.throws(() => (hits.value = 1 as never), TypeError); // a number into a bigint type
 * ```
 */
export class RawValue<T extends DType = DType> {
  #el: Elements;

  /**
   * Allocates the value, zero unless `initial` is given.
   *
   * @param type The type, e.g. `"i"`, `"d"` or `"uint64"`.
   * @param initial The initial value. Default: zero of the type (`0`, `0n`,
   * `false`, `"\0"`).
   * @throws {TypeError} If the type is unknown or `initial` has the wrong type.
   * @throws {RangeError} If `initial` is out of the type's range.
   */
  constructor(type: T, initial?: InputOf<T>) {
    this.#el = bindElements(this, build(new.target.name, type, initial));
  }

  /** The type, as given to the constructor. */
  get type(): T {
    return this.#el.type as T;
  }

  /**
   * The value. Reading and writing are single memory accesses; `+=` is not
   * atomic (use `add()` or the lock).
   *
   * @throws {TypeError} On writing a value of the wrong type.
   * @throws {RangeError} On writing a value out of the type's range.
   */
  get value(): ValueOf<T> {
    return this.#el.get(0) as ValueOf<T>;
  }

  set value(value: InputOf<T>) {
    this.#el.set(0, value);
  }

  /** A one-element typed array over the shared memory, for `Atomics` calls. */
  get view(): ViewOf<T> {
    return this.#el.view as ViewOf<T>;
  }

  /**
   * Atomically adds `value` (wrapping around as `Atomics.add`). Integer types
   * only.
   *
   * @param value The operand; it must fit the type.
   * @returns The old value.
   * @throws {TypeError} On a non-integer type or an operand of the wrong type.
   * @throws {RangeError} If the operand is out of range.
   */
  add(this: RawValue<IntegerType>, value: ValueOf<T>): ValueOf<T> {
    return this.#el.op("add", ATOMIC_OPS.add!, 0, value) as never;
  }

  /**
   * Atomically subtracts `value` (wrapping around as `Atomics.sub`). Integer
   * types only.
   *
   * @param value The operand.
   * @returns The old value.
   * @throws {TypeError} On a non-integer type.
   * @throws {RangeError} If the operand is out of range.
   */
  sub(this: RawValue<IntegerType>, value: ValueOf<T>): ValueOf<T> {
    return this.#el.op("sub", ATOMIC_OPS.sub!, 0, value) as never;
  }

  /**
   * Atomically ANDs with `value`. Integer types only.
   *
   * @param value The operand.
   * @returns The old value.
   * @throws {TypeError} On a non-integer type.
   * @throws {RangeError} If the operand is out of range.
   */
  and(this: RawValue<IntegerType>, value: ValueOf<T>): ValueOf<T> {
    return this.#el.op("and", ATOMIC_OPS.and!, 0, value) as never;
  }

  /**
   * Atomically ORs with `value`. Integer types only.
   *
   * @param value The operand.
   * @returns The old value.
   * @throws {TypeError} On a non-integer type.
   * @throws {RangeError} If the operand is out of range.
   */
  or(this: RawValue<IntegerType>, value: ValueOf<T>): ValueOf<T> {
    return this.#el.op("or", ATOMIC_OPS.or!, 0, value) as never;
  }

  /**
   * Atomically XORs with `value`. Integer types only.
   *
   * @param value The operand.
   * @returns The old value.
   * @throws {TypeError} On a non-integer type.
   * @throws {RangeError} If the operand is out of range.
   */
  xor(this: RawValue<IntegerType>, value: ValueOf<T>): ValueOf<T> {
    return this.#el.op("xor", ATOMIC_OPS.xor!, 0, value) as never;
  }

  /**
   * Atomically replaces the value. Integer types only.
   *
   * @param value The new value.
   * @returns The old value.
   * @throws {TypeError} On a non-integer type.
   * @throws {RangeError} If `value` is out of range.
   */
  exchange(this: RawValue<IntegerType>, value: ValueOf<T>): ValueOf<T> {
    return this.#el.op(
      "exchange",
      ATOMIC_OPS.exchange!,
      0,
      value,
    ) as never;
  }

  /**
   * Atomically replaces the value with `replacement` if it is `expected`.
   * Integer types only.
   *
   * @param expected The value it must hold.
   * @param replacement The value to store then.
   * @returns The old value (equal to `expected` when it was replaced).
   * @throws {TypeError} On a non-integer type.
   * @throws {RangeError} If a value is out of range.
   */
  compareExchange(
    this: RawValue<IntegerType>,
    expected: ValueOf<T>,
    replacement: ValueOf<T>,
  ): ValueOf<T> {
    return this.#el.compareExchange(0, expected, replacement) as never;
  }

  /**
   * Atomically reads the value. Integer types only.
   *
   * @returns The value.
   * @throws {TypeError} On a non-integer type.
   */
  load(this: RawValue<IntegerType>): ValueOf<T> {
    return this.#el.load(0) as never;
  }

  /**
   * Atomically writes the value. Integer types only.
   *
   * @param value The new value.
   * @returns The value stored, as `Atomics.store`.
   * @throws {TypeError} On a non-integer type.
   * @throws {RangeError} If `value` is out of range.
   */
  store(this: RawValue<IntegerType>, value: ValueOf<T>): ValueOf<T> {
    return this.#el.store(0, value) as never;
  }

  /**
   * Describes this value for another worker (the shareable protocol).
   *
   * @returns `{ kind: "shared.RawValue", data }` with the shared memory.
   */
  [describe](): { kind: string; data: RawValueData } {
    return { kind: "shared.RawValue", data: this.#el.data() };
  }

  /**
   * Rebuilds a value over the memory of a description.
   *
   * @param data The `data` of a description from `[describe]()`.
   * @returns A `RawValue` over the same memory.
   */
  static [revive](data: RawValueData): RawValue {
    return new RawValue(
      data.type,
      new Adopt(Elements.adopt("RawValue", data)) as never,
    );
  }

  /** Shows the type and value in `console.log`. */
  [Symbol.for("Deno.customInspect")](
    inspect: (value: unknown, options: unknown) => string,
    options: unknown,
  ): string {
    return `${this.constructor.name}(${JSON.stringify(this.type)}, ${
      inspect(this.value, options)
    })`;
  }
}
