/**
 * Element types of shared memory: Python's `array`/`ctypes` type codes and
 * readable names, with their byte sizes, typed arrays and JavaScript value
 * types.
 *
 * @module
 */
import { quote } from "./_quote.ts";

/**
 * Python's type codes, with the sizes of 64-bit Linux: `"l"`, `"L"`, `"q"` and
 * `"Q"` are 64-bit and hold a `bigint`; `"c"` is one byte, `"u"` one UTF-16
 * code unit, `"?"` a boolean.
 */
export type TypeCode =
  | "b"
  | "B"
  | "h"
  | "H"
  | "i"
  | "I"
  | "l"
  | "L"
  | "q"
  | "Q"
  | "f"
  | "d"
  | "c"
  | "u"
  | "?";

/** Readable names for the numeric and boolean type codes. */
export type TypeName =
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "float32"
  | "float64"
  | "bool";

/** An element type: a Python type code or a readable name. */
export type DType = TypeCode | TypeName;

/** The type code each readable name stands for. */
export interface NameCodes {
  /** `"int8"` is `"b"`. */
  int8: "b";
  /** `"uint8"` is `"B"`. */
  uint8: "B";
  /** `"int16"` is `"h"`. */
  int16: "h";
  /** `"uint16"` is `"H"`. */
  uint16: "H";
  /** `"int32"` is `"i"`. */
  int32: "i";
  /** `"uint32"` is `"I"`. */
  uint32: "I";
  /** `"int64"` is `"q"`. */
  int64: "q";
  /** `"uint64"` is `"Q"`. */
  uint64: "Q";
  /** `"float32"` is `"f"`. */
  float32: "f";
  /** `"float64"` is `"d"`. */
  float64: "d";
  /** `"bool"` is `"?"`. */
  bool: "?";
}

/**
 * Per type code: the value read from an element, the value accepted for one,
 * and the typed array over the elements.
 */
export interface CodeTypes {
  /** `"b"`: int8. */
  b: [number, number, Int8Array<SharedArrayBuffer>];
  /** `"B"`: uint8. */
  B: [number, number, Uint8Array<SharedArrayBuffer>];
  /** `"h"`: int16. */
  h: [number, number, Int16Array<SharedArrayBuffer>];
  /** `"H"`: uint16. */
  H: [number, number, Uint16Array<SharedArrayBuffer>];
  /** `"i"`: int32. */
  i: [number, number, Int32Array<SharedArrayBuffer>];
  /** `"I"`: uint32. */
  I: [number, number, Uint32Array<SharedArrayBuffer>];
  /** `"l"`: int64 (C long). */
  l: [bigint, bigint, BigInt64Array<SharedArrayBuffer>];
  /** `"L"`: uint64 (C unsigned long). */
  L: [bigint, bigint, BigUint64Array<SharedArrayBuffer>];
  /** `"q"`: int64. */
  q: [bigint, bigint, BigInt64Array<SharedArrayBuffer>];
  /** `"Q"`: uint64. */
  Q: [bigint, bigint, BigUint64Array<SharedArrayBuffer>];
  /** `"f"`: float32. */
  f: [number, number, Float32Array<SharedArrayBuffer>];
  /** `"d"`: float64. */
  d: [number, number, Float64Array<SharedArrayBuffer>];
  /** `"c"`: one byte (C char). */
  c: [string, string | Uint8Array, Uint8Array<SharedArrayBuffer>];
  /** `"u"`: one UTF-16 code unit (wchar). */
  u: [string, string, Uint16Array<SharedArrayBuffer>];
  /** `"?"`: bool. */
  "?": [boolean, boolean, Uint8Array<SharedArrayBuffer>];
}

/** The type code of `T` (`CodeOf<"int32">` is `"i"`). */
export type CodeOf<T extends DType> = T extends TypeName ? NameCodes[T]
  : T;

/**
 * The JavaScript value read from an element of type `T`: `number` for 8- to
 * 32-bit integers and floats, `bigint` for 64-bit integers, `boolean` for
 * `"?"`, a one-character `string` for `"c"` and `"u"`.
 */
export type ValueOf<T extends DType> = CodeTypes[CodeOf<T>][0];

/** The JavaScript value accepted for an element of type `T`. */
export type InputOf<T extends DType> = CodeTypes[CodeOf<T>][1];

/** The typed array over elements of type `T`, e.g. `Int32Array` for `"i"`. */
export type ViewOf<T extends DType> = CodeTypes[CodeOf<T>][2];

/** The integer element types: the ones with atomic operations. */
export type IntegerType =
  | "b"
  | "B"
  | "h"
  | "H"
  | "i"
  | "I"
  | "l"
  | "L"
  | "q"
  | "Q"
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64";

/** A constructor of one of the typed arrays that back shared elements. */
export type TypedArrayConstructor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

/** What an element type is made of. */
export interface DTypeInfo {
  /** The Python type code, e.g. `"i"`. */
  readonly code: TypeCode;
  /** The readable name, e.g. `"int32"`; `"char"` for `"c"`, `"wchar"` for `"u"`. */
  readonly name: string;
  /** Size of one element in bytes (also its alignment). */
  readonly size: number;
  /** The typed array that holds elements of this type. */
  readonly array: TypedArrayConstructor;
  /** The JavaScript type of its values. */
  readonly value: "number" | "bigint" | "boolean" | "string";
  /** Whether it is an integer type, with atomic operations. */
  readonly integer: boolean;
  /** Smallest value, for integer types (a `bigint` for 64-bit ones). */
  readonly min?: number | bigint;
  /** Largest value, for integer types (a `bigint` for 64-bit ones). */
  readonly max?: number | bigint;
}

function integer(
  code: TypeCode,
  name: string,
  array: TypedArrayConstructor,
  min: number | bigint,
  max: number | bigint,
): DTypeInfo {
  const value = typeof min === "bigint" ? "bigint" : "number";
  const size = array.BYTES_PER_ELEMENT;
  return { code, name, size, array, value, integer: true, min, max };
}

function other(
  code: TypeCode,
  name: string,
  array: TypedArrayConstructor,
  value: DTypeInfo["value"],
): DTypeInfo {
  return {
    code,
    name,
    size: array.BYTES_PER_ELEMENT,
    array,
    value,
    integer: false,
  };
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

const CODES: ReadonlyMap<TypeCode, DTypeInfo> = new Map<TypeCode, DTypeInfo>([
  ["b", integer("b", "int8", Int8Array, -128, 127)],
  ["B", integer("B", "uint8", Uint8Array, 0, 255)],
  ["h", integer("h", "int16", Int16Array, -32768, 32767)],
  ["H", integer("H", "uint16", Uint16Array, 0, 65535)],
  ["i", integer("i", "int32", Int32Array, -(2 ** 31), 2 ** 31 - 1)],
  ["I", integer("I", "uint32", Uint32Array, 0, 2 ** 32 - 1)],
  ["l", integer("l", "int64", BigInt64Array, INT64_MIN, INT64_MAX)],
  ["L", integer("L", "uint64", BigUint64Array, 0n, UINT64_MAX)],
  ["q", integer("q", "int64", BigInt64Array, INT64_MIN, INT64_MAX)],
  ["Q", integer("Q", "uint64", BigUint64Array, 0n, UINT64_MAX)],
  ["f", other("f", "float32", Float32Array, "number")],
  ["d", other("d", "float64", Float64Array, "number")],
  ["c", other("c", "char", Uint8Array, "string")],
  ["u", other("u", "wchar", Uint16Array, "string")],
  ["?", other("?", "bool", Uint8Array, "boolean")],
]);

const NAMES: Readonly<Record<TypeName, TypeCode>> = {
  int8: "b",
  uint8: "B",
  int16: "h",
  uint16: "H",
  int32: "i",
  uint32: "I",
  int64: "q",
  uint64: "Q",
  float32: "f",
  float64: "d",
  bool: "?",
};

const VALID = [...CODES.keys(), ...Object.keys(NAMES)]
  .map((code) => `"${code}"`).join(", ");

/**
 * Looks up an element type by Python type code or readable name.
 *
 * @param type A type code (`"i"`, `"d"`, `"q"` …) or name (`"int32"` …).
 * @returns Its code, size, typed array and value kind.
 * @throws {TypeError} If `type` is not a known code or name; the message
 * lists the valid ones.
 *
 * @example Sizes as on 64-bit Linux
 * ```ts
 * import { dtype } from "@mp/multiprocessing/shared";
 * import assert from "node:assert/strict";
 *
 * assert.equal(dtype("i").size, 4);
 * assert.equal(dtype("l").size, 8);
 * assert.equal(dtype("l").value, "bigint");
 * assert.equal(dtype("float64").code, "d");
 * assert.throws(() => dtype("x" as never), TypeError);
 * ```
 */
export function dtype(type: DType): DTypeInfo {
  const code = typeof type === "string"
    ? (Object.hasOwn(NAMES, type) ? NAMES[type as TypeName] : type)
    : undefined;
  const info = code === undefined ? undefined : CODES.get(code as TypeCode);
  if (info === undefined) {
    throw new TypeError(
      `Cannot use element type as it is not one of ${VALID}: received ${
        quote(type)
      }`,
    );
  }
  return info;
}

/**
 * Size in bytes of one element of `type` (Python's `ctypes.sizeof`).
 *
 * @param type A type code or name.
 * @returns The size in bytes: 1, 2, 4 or 8.
 * @throws {TypeError} If `type` is not a known code or name.
 *
 * @example
 * ```ts
 * import { sizeOf } from "@mp/multiprocessing/shared";
 * import assert from "node:assert/strict";
 *
 * assert.equal(sizeOf("d"), 8);
 * assert.equal(sizeOf("u"), 2);
 * assert.equal(sizeOf("bool"), 1);
 * ```
 */
export function sizeOf(type: DType): number {
  return dtype(type).size;
}
