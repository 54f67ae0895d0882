/**
 * Typed records in shared memory, as ctypes `Structure`s in Python's
 * `sharedctypes`: a layout of named fields with C's natural alignment, and
 * records and arrays of records over shared memory.
 *
 * @module
 */
import { describe, revive } from "../sync/_shareable.ts";
import { checkLength } from "./_codec.ts";
import type { AnyView } from "./_elements.ts";
import { type FieldLayout, layoutOf, type StructLayout } from "./_layout.ts";
import { quote } from "./_quote.ts";
import type { CodeOf, DType, InputOf, ValueOf } from "./dtype.ts";
import { RawArray } from "./raw_array.ts";

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

/** Data that rebuilds an array of records over the same memory. */
export interface StructArrayData extends StructRecordData {
  /** Number of records. */
  length: number;
}

/** Where a record's bytes are, and typed views over them by type code. */
interface Memory {
  buffer: SharedArrayBuffer;
  base: number;
  views: Map<string, AnyView>;
}

const MEM = Symbol("memory");
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function viewOf(memory: Memory, field: FieldLayout): AnyView {
  let view = memory.views.get(field.codec.code);
  if (view === undefined) {
    const Ctor = field.codec.array as unknown as new (
      buffer: SharedArrayBuffer,
    ) => AnyView;
    view = new Ctor(memory.buffer);
    memory.views.set(field.codec.code, view);
  }
  return view;
}

function accessor(field: FieldLayout): PropertyDescriptor {
  const { codec, offset, count } = field;
  const mem = (record: object): Memory =>
    (record as Record<symbol, Memory>)[MEM]!;
  if (count === undefined) {
    return {
      enumerable: true,
      get(this: object) {
        const m = mem(this);
        const raw = viewOf(m, field)[(m.base + offset) / codec.size]!;
        return codec.decode === undefined ? raw : codec.decode(raw);
      },
      set(this: object, value: unknown) {
        const m = mem(this);
        (viewOf(m, field) as Int32Array)[(m.base + offset) / codec.size] = codec
          .encode(value) as number;
      },
    };
  }
  if (codec.code === "c" || codec.code === "u") {
    return {
      enumerable: true,
      get(this: object) {
        const m = mem(this);
        const start = (m.base + offset) / codec.size;
        const units = viewOf(m, field).subarray(start, start + count);
        const end = units.indexOf(0 as never);
        const used = units.slice(0, end < 0 ? count : end);
        return codec.code === "c"
          ? decoder.decode(used as Uint8Array)
          : String.fromCharCode(...(used as Uint16Array));
      },
      set(this: object, value: unknown) {
        let units: ArrayLike<number>;
        if (typeof value === "string") {
          units = codec.code === "c"
            ? encoder.encode(value)
            : Array.from({ length: value.length }, (_, i) =>
              value.charCodeAt(i));
        } else if (codec.code === "c" && value instanceof Uint8Array) {
          units = value;
        } else {
          throw new TypeError(
            `Cannot set SharedStruct field ${quote(field.name)} as it needs a ${
              codec.code === "c" ? "string or Uint8Array" : "string"
            }: received ${quote(value)}`,
          );
        }
        if (units.length > count) {
          throw new RangeError(
            `Cannot set SharedStruct field ${
              quote(field.name)
            } as it holds ${count} ${
              codec.code === "c" ? "bytes" : "UTF-16 units"
            } and the value needs ${units.length}: received ${quote(value)}`,
          );
        }
        const m = mem(this);
        const start = (m.base + offset) / codec.size;
        const view = viewOf(m, field) as Uint16Array;
        view.fill(0, start, start + count);
        view.set(units, start);
      },
    };
  }
  return {
    enumerable: true,
    get(this: object) {
      const m = mem(this);
      return RawArray[revive]({
        type: field.type,
        buffer: m.buffer,
        byteOffset: m.base + offset,
        length: count,
      });
    },
  };
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

function layoutFor(fields: StructFields): SharedStruct<StructFields> {
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

/**
 * Records of one `SharedStruct` layout laid out one after another in shared
 * memory (ctypes `Structure * n`). Made by `SharedStruct.array(n)`.
 *
 * @typeParam F The layout's fields.
 *
 * @example
 * ```ts
 * import { SharedStruct } from "@mp/multiprocessing/shared";
 * import assert from "node:assert/strict";
 *
 * const Particle = new SharedStruct({ pos: ["f", 3], alive: "?" });
 * const particles = Particle.array(2);
 * particles.get(1).pos.set(0, 0.5);
 * particles.get(1).alive = true;
 * assert.deepEqual([...particles].map((p) => p.alive), [false, true]);
 * assert.equal(particles.get(1).pos.get(0), 0.5);
 * ```
 */
export class StructArray<const F extends StructFields = StructFields> {
  #layout: SharedStruct<F>;
  #buffer: SharedArrayBuffer;
  #byteOffset: number;
  #length: number;

  /**
   * Not for direct use: call `SharedStruct.array()`.
   *
   * @param layout The record layout.
   * @param buffer The shared memory.
   * @param byteOffset Where the first record starts.
   * @param length Number of records.
   */
  constructor(
    layout: SharedStruct<F>,
    buffer: SharedArrayBuffer,
    byteOffset: number,
    length: number,
  ) {
    this.#layout = layout;
    this.#buffer = buffer;
    this.#byteOffset = byteOffset;
    this.#length = length;
  }

  /** The number of records. */
  get length(): number {
    return this.#length;
  }

  /** The record layout. */
  get layout(): SharedStruct<F> {
    return this.#layout;
  }

  /**
   * The record at `index` (a view: writes go to shared memory).
   *
   * @param index The position; negative counts from the end.
   * @returns The record.
   * @throws {RangeError} If `index` is out of range.
   */
  get(index: number): StructInstance<F> {
    if (!Number.isInteger(index)) {
      throw new TypeError(
        `Cannot access StructArray record as the index must be an integer: received ${
          quote(index)
        }`,
      );
    }
    const i = index < 0 ? index + this.#length : index;
    if (i < 0 || i >= this.#length) {
      throw new RangeError(
        `Cannot access StructArray record as the index is out of range 0..${
          this.#length - 1
        }: received ${index}`,
      );
    }
    return this.#layout.at(
      this.#buffer,
      this.#byteOffset + i * this.#layout.size,
    );
  }

  /** Iterates over the records. */
  *[Symbol.iterator](): IterableIterator<StructInstance<F>> {
    for (let i = 0; i < this.#length; i++) yield this.get(i);
  }

  /**
   * Describes this array for another worker.
   *
   * @returns `{ kind: "shared.StructArray", data }`.
   */
  [describe](): { kind: string; data: StructArrayData } {
    return {
      kind: "shared.StructArray",
      data: {
        fields: this.#layout.fields,
        buffer: this.#buffer,
        byteOffset: this.#byteOffset,
        length: this.#length,
      },
    };
  }

  /**
   * Rebuilds an array of records over the memory of a description.
   *
   * @param data The `data` of a description from `[describe]()`.
   * @returns An array over the same memory.
   */
  static [revive](data: StructArrayData): StructArray {
    return new StructArray(
      layoutFor(data.fields),
      data.buffer,
      data.byteOffset,
      data.length,
    );
  }
}
