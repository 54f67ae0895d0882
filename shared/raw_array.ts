/**
 * Typed arrays in shared memory without a lock, as Python's
 * `sharedctypes.RawArray`.
 *
 * @module
 */
import { describe, revive } from "../sync/_shareable.ts";
import { checkLength } from "./_codec.ts";
import { Adopt, ATOMIC_OPS, bindElements, Elements } from "./_elements.ts";
import type {
  CodeOf,
  DType,
  InputOf,
  IntegerType,
  ValueOf,
  ViewOf,
} from "./dtype.ts";
import { quote } from "./_quote.ts";

/**
 * What a shared array is made from: a length (zero-filled) or the initial
 * values; a `"c"` array also takes a `Uint8Array` of bytes.
 */
export type ArrayInit<T extends DType> =
  | number
  | Iterable<InputOf<T>>
  | (CodeOf<T> extends "c" ? Uint8Array : never);

/** Data that rebuilds a `RawArray` over the same memory. */
export interface RawArrayData {
  /** The element type, as given to the constructor. */
  type: DType;
  /** The shared memory. */
  buffer: SharedArrayBuffer;
  /** Byte offset of the first element in `buffer`. */
  byteOffset: number;
  /** Number of elements. */
  length: number;
}

function build(owner: string, type: DType, init: unknown): Elements {
  if (init instanceof Adopt) return init.elements;
  const what = `Cannot create ${owner}`;
  if (typeof init === "number") {
    return Elements.allocate(owner, type, checkLength(what, init));
  }
  if (
    init === null || (typeof init !== "object" && typeof init !== "string") ||
    typeof (init as Iterable<unknown>)[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(
      `${what} as lengthOrValues must be a length or an iterable of values: received ${
        quote(init)
      }`,
    );
  }
  const values = init instanceof Uint8Array || typeof init === "string"
    ? init
    : [...(init as Iterable<unknown>)];
  const length = typeof values === "string" ? values.length : values.length;
  const elements = Elements.allocate(owner, type, length);
  elements.assign(values, 0);
  return elements;
}

/**
 * A fixed-length typed array in shared memory, without a lock (Python's
 * `sharedctypes.RawArray`). Every worker that receives it works on the same
 * memory.
 *
 * @typeParam T The element type: a Python type code or a readable name.
 *
 * @example Make, fill and read
 * ```ts
 * import { RawArray } from "@mp/multiprocessing/shared";
 * import assert from "node:assert/strict";
 *
 * const a = new RawArray("i", [1, 2, 3]);
 * a.set(0, 10);
 * assert.equal(a.get(-1), 3);
 * assert.deepEqual(a.toArray(), [10, 2, 3]);
 * assert.throws(() => a.set(1, 1.5), TypeError);
 * ```
 */
export class RawArray<T extends DType = DType> {
  #el: Elements;

  /**
   * Allocates a zero-filled array of `lengthOrValues` elements, or one that
   * holds the given values.
   *
   * @param type The element type, e.g. `"i"` or `"float64"`.
   * @param lengthOrValues A length, or the initial values.
   * @throws {TypeError} If the type is unknown or a value has the wrong type.
   * @throws {RangeError} If the length is negative or not an integer, or a
   * value is out of the type's range.
   */
  constructor(type: T, lengthOrValues: ArrayInit<T>) {
    this.#el = bindElements(this, build(new.target.name, type, lengthOrValues));
  }

  /** The element type, as given to the constructor. */
  get type(): T {
    return this.#el.type as T;
  }

  /** The number of elements. */
  get length(): number {
    return this.#el.length;
  }

  /**
   * The typed array over the shared memory itself (`Int32Array` for `"i"`),
   * for fast loops. Writes through it are not checked: `"?"` reads as 0/1,
   * `"c"`/`"u"` as character codes.
   */
  get view(): ViewOf<T> {
    return this.#el.view as ViewOf<T>;
  }

  /**
   * Reads one element.
   *
   * @param index The position; negative counts from the end.
   * @returns The element's value.
   * @throws {RangeError} If `index` is out of range.
   * @throws {TypeError} If `index` is not an integer.
   */
  get(index: number): ValueOf<T> {
    return this.#el.get(index) as ValueOf<T>;
  }

  /**
   * Writes one element.
   *
   * @param index The position; negative counts from the end.
   * @param value The new value; it must fit the element type.
   * @throws {RangeError} If `index` is out of range or `value` does not fit.
   * @throws {TypeError} If `value` has the wrong type for the element type.
   */
  set(index: number, value: InputOf<T>): void {
    this.#el.set(index, value);
  }

  /**
   * Writes several elements from `start` on (Python's slice assignment);
   * every value is checked before any is written.
   *
   * @param values The new values.
   * @param start The first position written. Default `0`.
   * @throws {RangeError} If the values do not fit or one is out of range.
   * @throws {TypeError} If a value has the wrong type.
   */
  assign(values: ArrayInit<T> & Iterable<unknown>, start = 0): void {
    this.#el.assign(values, this.#el.bounds(start)[0]);
  }

  /** Iterates over the values. */
  *[Symbol.iterator](): IterableIterator<ValueOf<T>> {
    for (let i = 0; i < this.#el.length; i++) {
      yield this.#el.get(i) as ValueOf<T>;
    }
  }

  /**
   * Copies all values into a plain array.
   *
   * @returns A new `Array` of the values.
   */
  toArray(): ValueOf<T>[] {
    return this.#el.range(0, this.#el.length) as ValueOf<T>[];
  }

  /**
   * Copies part of the values into a plain array, as `Array.prototype.slice`.
   *
   * @param start First position (negative counts from the end). Default `0`.
   * @param end Position after the last (negative counts from the end).
   * Default `length`.
   * @returns A new `Array` of the values.
   */
  slice(start?: number, end?: number): ValueOf<T>[] {
    const [from, to] = this.#el.bounds(start, end);
    return this.#el.range(from, to) as ValueOf<T>[];
  }

  /**
   * Sets every element from `start` to `end` to `value`.
   *
   * @param value The value; it must fit the element type.
   * @param start First position. Default `0`.
   * @param end Position after the last. Default `length`.
   * @returns This array.
   * @throws {RangeError} If `value` does not fit the type.
   * @throws {TypeError} If `value` has the wrong type.
   */
  fill(value: InputOf<T>, start?: number, end?: number): this {
    this.#el.fill(value, start, end);
    return this;
  }

  /**
   * Atomically adds `value` to element `index` (wrapping around modulo the
   * type's size, as `Atomics.add`). Integer types only.
   *
   * @param index The position; negative counts from the end.
   * @param value The operand; it must fit the type.
   * @returns The old value.
   * @throws {TypeError} On a non-integer type, or a value of the wrong type.
   * @throws {RangeError} If `index` or `value` is out of range.
   */
  add(
    this: RawArray<IntegerType>,
    index: number,
    value: ValueOf<T>,
  ): ValueOf<T> {
    return this.#el.op("add", ATOMIC_OPS.add!, index, value) as never;
  }

  /**
   * Atomically subtracts `value` from element `index` (wrapping around, as
   * `Atomics.sub`). Integer types only.
   *
   * @param index The position.
   * @param value The operand.
   * @returns The old value.
   * @throws {TypeError} On a non-integer type.
   * @throws {RangeError} If `index` or `value` is out of range.
   */
  sub(
    this: RawArray<IntegerType>,
    index: number,
    value: ValueOf<T>,
  ): ValueOf<T> {
    return this.#el.op("sub", ATOMIC_OPS.sub!, index, value) as never;
  }

  /**
   * Atomically ANDs element `index` with `value`. Integer types only.
   *
   * @param index The position.
   * @param value The operand.
   * @returns The old value.
   * @throws {TypeError} On a non-integer type.
   * @throws {RangeError} If `index` or `value` is out of range.
   */
  and(
    this: RawArray<IntegerType>,
    index: number,
    value: ValueOf<T>,
  ): ValueOf<T> {
    return this.#el.op("and", ATOMIC_OPS.and!, index, value) as never;
  }

  /**
   * Atomically ORs element `index` with `value`. Integer types only.
   *
   * @param index The position.
   * @param value The operand.
   * @returns The old value.
   * @throws {TypeError} On a non-integer type.
   * @throws {RangeError} If `index` or `value` is out of range.
   */
  or(
    this: RawArray<IntegerType>,
    index: number,
    value: ValueOf<T>,
  ): ValueOf<T> {
    return this.#el.op("or", ATOMIC_OPS.or!, index, value) as never;
  }

  /**
   * Atomically XORs element `index` with `value`. Integer types only.
   *
   * @param index The position.
   * @param value The operand.
   * @returns The old value.
   * @throws {TypeError} On a non-integer type.
   * @throws {RangeError} If `index` or `value` is out of range.
   */
  xor(
    this: RawArray<IntegerType>,
    index: number,
    value: ValueOf<T>,
  ): ValueOf<T> {
    return this.#el.op("xor", ATOMIC_OPS.xor!, index, value) as never;
  }

  /**
   * Atomically replaces element `index` with `value`. Integer types only.
   *
   * @param index The position.
   * @param value The new value.
   * @returns The old value.
   * @throws {TypeError} On a non-integer type.
   * @throws {RangeError} If `index` or `value` is out of range.
   */
  exchange(
    this: RawArray<IntegerType>,
    index: number,
    value: ValueOf<T>,
  ): ValueOf<T> {
    return this.#el.op(
      "exchange",
      ATOMIC_OPS.exchange!,
      index,
      value,
    ) as never;
  }

  /**
   * Atomically replaces element `index` with `replacement` if it holds
   * `expected`. Integer types only.
   *
   * @param index The position.
   * @param expected The value the element must hold.
   * @param replacement The value to store then.
   * @returns The old value (equal to `expected` when it was replaced).
   * @throws {TypeError} On a non-integer type.
   * @throws {RangeError} If `index` or a value is out of range.
   */
  compareExchange(
    this: RawArray<IntegerType>,
    index: number,
    expected: ValueOf<T>,
    replacement: ValueOf<T>,
  ): ValueOf<T> {
    return this.#el.compareExchange(
      index,
      expected,
      replacement,
    ) as never;
  }

  /**
   * Atomically reads element `index`. Integer types only.
   *
   * @param index The position.
   * @returns The value.
   * @throws {TypeError} On a non-integer type.
   * @throws {RangeError} If `index` is out of range.
   */
  load(this: RawArray<IntegerType>, index: number): ValueOf<T> {
    return this.#el.load(index) as never;
  }

  /**
   * Atomically writes element `index`. Integer types only.
   *
   * @param index The position.
   * @param value The new value.
   * @returns The value stored, as `Atomics.store`.
   * @throws {TypeError} On a non-integer type.
   * @throws {RangeError} If `index` or `value` is out of range.
   */
  store(
    this: RawArray<IntegerType>,
    index: number,
    value: ValueOf<T>,
  ): ValueOf<T> {
    return this.#el.store(index, value) as never;
  }

  /**
   * Describes this array for another worker (the shareable protocol).
   *
   * @returns `{ kind: "shared.RawArray", data }` with the shared memory.
   */
  [describe](): { kind: string; data: RawArrayData } {
    return { kind: "shared.RawArray", data: this.#el.data() };
  }

  /**
   * Rebuilds an array over the memory of a description.
   *
   * @param data The `data` of a description from `[describe]()`.
   * @returns A `RawArray` over the same memory.
   */
  static [revive](data: RawArrayData): RawArray {
    return new RawArray(
      data.type,
      new Adopt(Elements.adopt("RawArray", data)) as never,
    );
  }

  /** Shows the type and values in `console.log`. */
  [Symbol.for("Deno.customInspect")](
    inspect: (value: unknown, options: unknown) => string,
    options: unknown,
  ): string {
    return `${this.constructor.name}(${JSON.stringify(this.type)}, ${
      inspect(this.toArray(), options)
    })`;
  }
}
