/**
 * Typed records in shared memory, as ctypes `Structure`s in Python's
 * `sharedctypes`: a layout of named fields with C's natural alignment, and
 * records and arrays of records over shared memory.
 *
 * @module
 */
import { describe, revive } from "../sync/_shareable.ts";
import { checkLength } from "./_codec.ts";
import { layoutOf, type StructLayout } from "./_layout.ts";
import { accessor, MEM, type Memory } from "./_struct_fields.ts";
import { quote } from "./_quote.ts";
import type { CodeOf, DType, InputOf, ValueOf } from "./dtype.ts";
import { RawArray } from "./raw_array.ts";
import { StructArray } from "./struct_array.ts";

/** A field: a type code, or `[code, length]` for a fixed-length array. */
export type FieldSpec = DType | readonly [DType, number];

/** The fields of a structure, in order: `{ x: "d", tag: ["c", 16] }`. */
export type StructFields = { readonly [name: string]: FieldSpec };

/** The element types whose arrays read as strings. */
export type TextType = "c" | "u";

/**
 * The value of a field: the element value for a scalar, a `string` for a
 * `"c"` (UTF-8) or `"u"` (UTF-16) array, a `RawArray` view for other arrays.
 */
export type FieldValue<S extends FieldSpec> = S extends DType ? ValueOf<S>
  : S extends readonly [infer T extends DType, number]
    ? (CodeOf<T> extends TextType ? string : RawArray<T>)
  : never;

/** The names of the fields of `F` that can be assigned. */
export type WritableFields<F extends StructFields> = {
  [K in keyof F]: F[K] extends DType ? K
    : F[K] extends readonly [infer T extends DType, number]
      ? (CodeOf<T> extends TextType ? K : never)
    : never;
}[keyof F];

/** The typed field accessors of a record of `F`. */
export type StructFieldsOf<F extends StructFields> =
  & { -readonly [K in WritableFields<F>]: FieldValue<F[K]> }
  & { readonly [K in Exclude<keyof F, WritableFields<F>>]: FieldValue<F[K]> };

/** A record of layout `F`: its fields as typed properties. */
export type StructInstance<F extends StructFields> =
  & StructRecord
  & StructFieldsOf<F>;

/** Initial field values for {@linkcode SharedStruct.create}. */
export type StructInit<F extends StructFields> = {
  [K in keyof F]?: F[K] extends DType ? InputOf<F[K]>
    : F[K] extends readonly [infer T extends DType, number]
      ? (CodeOf<T> extends TextType ? string | Uint8Array
        : Iterable<InputOf<T>>)
    : never;
};

/** Data that rebuilds a record over the same memory. */
export interface StructRecordData {
  /** The layout's fields, as given to `SharedStruct`. */
  fields: StructFields;
  /** The shared memory. */
  buffer: SharedArrayBuffer;
  /** Byte offset of the record in `buffer`. */
  byteOffset: number;
}

/**
 * A record of a `SharedStruct` layout in shared memory: its fields are
 * typed properties (`record.x = 1.5`). Made by `SharedStruct.create()` or
 * `StructArray.get()`.
 *
 * @example
 * ```ts
 * import { SharedStruct, StructRecord } from "@mp/multiprocessing/shared";
 * import assert from "node:assert/strict";
 *
 * const Point = new SharedStruct({ x: "d", y: "d" });
 * const p = Point.create({ x: 1, y: 2 });
 * assert.ok(p instanceof StructRecord);
 * assert.deepEqual(p.toObject(), { x: 1, y: 2 });
 * ```
 */
export class StructRecord {
  /**
   * Not for direct use: records come from `SharedStruct.create()` and
   * `StructArray.get()`.
   *
   * @throws {TypeError} Always, when called directly.
   */
  constructor() {
    if (new.target === StructRecord) {
      throw new TypeError(
        "Cannot construct StructRecord directly: call SharedStruct.create()",
      );
    }
  }

  /**
   * Copies the fields into a plain object (array fields as plain arrays).
   *
   * @returns A new object with one property per field.
   *
   * @example
   * ```ts
   * import { SharedStruct } from "@mp/multiprocessing/shared";
   * import assert from "node:assert/strict";
   *
   * const Item = new SharedStruct({ id: "i", xy: ["f", 2], name: ["c", 8] });
   * const item = Item.create({ id: 7, xy: [0.5, 1], name: "pen" });
   * assert.deepEqual(item.toObject(), { id: 7, xy: [0.5, 1], name: "pen" });
   * ```
   */
  toObject(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (
      const name of Object.getOwnPropertyNames(Object.getPrototypeOf(this))
    ) {
      const value = (this as unknown as Record<string, unknown>)[name];
      out[name] = value instanceof RawArray ? value.toArray() : value;
    }
    return out;
  }

  /**
   * Describes this record for another worker.
   *
   * @returns `{ kind: "shared.StructRecord", data }`.
   */
  [describe](): { kind: string; data: StructRecordData } {
    const m = (this as unknown as Record<symbol, Memory>)[MEM]!;
    return {
      kind: "shared.StructRecord",
      data: {
        fields: layoutFields.get(this)!,
        buffer: m.buffer,
        byteOffset: m.base,
      },
    };
  }

  /**
   * Rebuilds a record over the memory of a description.
   *
   * @param data The `data` of a description from `[describe]()`.
   * @returns A record over the same memory.
   */
  static [revive](data: StructRecordData): StructRecord {
    return layoutFor(data.fields).at(data.buffer, data.byteOffset);
  }

  /** Shows the fields in `console.log`. */
  [Symbol.for("Deno.customInspect")](
    inspect: (value: unknown, options: unknown) => string,
    options: unknown,
  ): string {
    return `StructRecord ${inspect(this.toObject(), options)}`;
  }
}

const layoutFields = new WeakMap<object, StructFields>();
const layouts = new Map<string, SharedStruct<StructFields>>();

/** The layout of `fields`, made once per distinct field list. */
export function layoutFor(fields: StructFields): SharedStruct<StructFields> {
  const key = JSON.stringify(fields);
  let layout = layouts.get(key);
  if (layout === undefined) {
    layout = new SharedStruct(fields);
    layouts.set(key, layout);
  }
  return layout;
}

/**
 * A record layout (ctypes `Structure`): named fields of type codes or
 * `[code, length]` arrays, each at its natural alignment as in C on 64-bit
 * Linux. It makes records and arrays of records in shared memory, typed by
 * their fields.
 *
 * Field values: a scalar reads as its type's value; `["c", n]` is a UTF-8
 * string of at most `n` bytes and `["u", n]` a string of at most `n` UTF-16
 * units (both end at the first NUL); other arrays are `RawArray` views.
 *
 * @typeParam F The fields, e.g. `{ x: "d"; y: "i"; tag: ["c", 16] }`.
 *
 * @example A ctypes-style structure
 * ```ts
 * import { SharedStruct } from "@mp/multiprocessing/shared";
 * import assert from "node:assert/strict";
 *
 * const Sample = new SharedStruct({ x: "d", y: "i", tag: ["c", 16] });
 * assert.equal(Sample.size, 32); // 8 + 4 + 16, padded to 8
 * assert.equal(Sample.offsetOf("tag"), 12);
 *
 * const samples = Sample.array(3);
 * samples.get(1).x = 1.5;
 * samples.get(1).tag = "second";
 * assert.equal(samples.get(1).tag, "second");
 * assert.throws(() => (samples.get(0).y = 2 ** 31), RangeError);
 * ```
 */
export class SharedStruct<const F extends StructFields = StructFields> {
  #fields: F;
  #layout: StructLayout;
  #prototype: object;

  /**
   * Lays out the fields.
   *
   * @param fields `{ name: code | [code, length] }`, in memory order.
   * @throws {TypeError} If a code is unknown or `fields` is not an object.
   * @throws {RangeError} If there are no fields or an array length is not a
   * positive integer.
   */
  constructor(fields: F) {
    this.#layout = layoutOf(fields);
    this.#fields = structuredClone(fields) as F;
    const prototype = Object.create(StructRecord.prototype);
    for (const field of this.#layout.fields) {
      Object.defineProperty(prototype, field.name, accessor(field));
    }
    this.#prototype = prototype;
  }

  /** Bytes per record, padding included (ctypes `sizeof`). */
  get size(): number {
    return this.#layout.size;
  }

  /** Alignment of a record in bytes (its largest field alignment). */
  get align(): number {
    return this.#layout.align;
  }

  /** The fields, as given. */
  get fields(): F {
    return structuredClone(this.#fields);
  }

  /**
   * The byte offset of a field in a record.
   *
   * @param name A field name.
   * @returns Its offset.
   * @throws {TypeError} If there is no such field.
   */
  offsetOf(name: keyof F & string): number {
    const field = this.#layout.fields.find((f) => f.name === name);
    if (field === undefined) {
      throw new TypeError(
        `Cannot find SharedStruct field as it is not one of ${
          this.#layout.fields.map((f) => quote(f.name)).join(", ")
        }: received ${quote(name)}`,
      );
    }
    return field.offset;
  }

  /**
   * Makes one record in new shared memory, zero-filled, then sets `init`.
   *
   * @param init Initial field values.
   * @returns The record.
   * @throws {TypeError} If a value has the wrong type or names no field.
   * @throws {RangeError} If a value does not fit its field.
   */
  create(init: StructInit<F> = {}): StructInstance<F> {
    const buffer = new SharedArrayBuffer(this.#layout.size);
    const record = this.at(buffer, 0);
    for (const [name, value] of Object.entries(init)) {
      const field = this.#layout.fields.find((f) => f.name === name);
      if (field === undefined) this.offsetOf(name as keyof F & string);
      if (field!.count !== undefined && field!.codec.value !== "string") {
        (record as unknown as Record<string, RawArray>)[name]!.assign(
          value as Iterable<never>,
        );
      } else {
        (record as unknown as Record<string, unknown>)[name] = value;
      }
    }
    return record;
  }

  /**
   * Makes an array of `length` zero-filled records in new shared memory.
   *
   * @param length Number of records.
   * @returns The array.
   * @throws {RangeError} If `length` is negative or not an integer.
   */
  array(length: number): StructArray<F> {
    const n = checkLength("Cannot create StructArray", length);
    const buffer = new SharedArrayBuffer(n * this.#layout.size);
    return new StructArray(this, buffer, 0, n);
  }

  /**
   * The record at `byteOffset` of existing shared memory (e.g. a
   * `SharedMemory` block's `buffer.buffer` and `buffer.byteOffset`).
   *
   * @param buffer The shared memory.
   * @param byteOffset Where the record starts: a multiple of `align`.
   * @returns A record over that memory.
   * @throws {RangeError} If the record does not fit or is misaligned.
   */
  at(buffer: SharedArrayBuffer, byteOffset: number): StructInstance<F> {
    if (
      !Number.isSafeInteger(byteOffset) || byteOffset < 0 ||
      byteOffset % this.#layout.align !== 0 ||
      byteOffset + this.#layout.size > buffer.byteLength
    ) {
      throw new RangeError(
        `Cannot place SharedStruct record as ${this.#layout.size} bytes at ${
          quote(byteOffset)
        } do not fit, aligned to ${this.#layout.align}, in ${buffer.byteLength} bytes`,
      );
    }
    const record = Object.create(this.#prototype) as StructInstance<F>;
    Object.defineProperty(record, MEM, {
      value: { buffer, base: byteOffset, views: new Map() },
    });
    layoutFields.set(record, this.#fields);
    return record;
  }
}
