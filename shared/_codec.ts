/**
 * How JavaScript values are checked and converted to and from the raw
 * elements of a typed array: one codec per type code, built once.
 *
 * `encode(value)` returns the raw element (a `number` or `bigint`) to store,
 * or throws: a value of the wrong JavaScript type, or a non-integer for an
 * integer type, is a `TypeError`; a value outside the type's range is a
 * `RangeError`. Nothing ever wraps around silently. `decode(raw)` turns a raw
 * element back into the JavaScript value (`"?"` → boolean, `"c"`/`"u"` → a
 * one-character string); for numeric types it is `undefined`, so hot paths
 * can skip the call.
 *
 * @module
 */
import { type DType, dtype, type DTypeInfo, type TypeCode } from "./dtype.ts";
import { quote } from "./_quote.ts";

/** Checks and converts values of one element type. */
export interface Codec extends DTypeInfo {
  /** Raw element for `value`; throws if `value` does not fit. */
  encode(value: unknown): number | bigint;
  /** JavaScript value of a raw element, when it is not the raw value. */
  decode: ((raw: number | bigint) => unknown) | undefined;
  /** The value zero-filled memory reads as. */
  readonly zero: unknown;
}

const cache = new Map<TypeCode, Codec>();

/** The codec of `type`; throws `TypeError` for an unknown type. */
export function codecOf(type: DType): Codec {
  const info = dtype(type);
  let codec = cache.get(info.code);
  if (codec === undefined) {
    codec = build(info);
    cache.set(info.code, codec);
  }
  return codec;
}

function label(info: DTypeInfo): string {
  return `"${info.code}" (${info.name})`;
}

function build(info: DTypeInfo): Codec {
  const where = `Cannot store value as ${label(info)}`;
  switch (info.value) {
    case "number":
      if (info.integer) {
        const min = info.min as number;
        const max = info.max as number;
        return {
          ...info,
          zero: 0,
          decode: undefined,
          encode(value) {
            if (typeof value !== "number" || !Number.isInteger(value)) {
              throw new TypeError(
                `${where} needs an integer number: received ${quote(value)}`,
              );
            }
            if (value < min || value > max) {
              throw new RangeError(
                `${where} needs an integer from ${min} to ${max}: received ${
                  quote(value)
                }`,
              );
            }
            return value;
          },
        };
      }
      return {
        ...info,
        zero: 0,
        decode: undefined,
        encode(value) {
          if (typeof value !== "number") {
            throw new TypeError(
              `${where} needs a number: received ${quote(value)}`,
            );
          }
          if (
            info.code === "f" && Number.isFinite(value) &&
            !Number.isFinite(Math.fround(value))
          ) {
            throw new RangeError(
              `${where} as it overflows float32: received ${quote(value)}`,
            );
          }
          return value;
        },
      };
    case "bigint": {
      const min = info.min as bigint;
      const max = info.max as bigint;
      return {
        ...info,
        zero: 0n,
        decode: undefined,
        encode(value) {
          if (typeof value !== "bigint") {
            throw new TypeError(
              `${where} needs a bigint: received ${quote(value)}`,
            );
          }
          if (value < min || value > max) {
            throw new RangeError(
              `${where} needs a bigint from ${min} to ${max}: received ${
                quote(value)
              }`,
            );
          }
          return value;
        },
      };
    }
    case "boolean":
      return {
        ...info,
        zero: false,
        decode: (raw) => raw !== 0,
        encode(value) {
          if (typeof value !== "boolean") {
            throw new TypeError(
              `${where} needs a boolean: received ${quote(value)}`,
            );
          }
          return value ? 1 : 0;
        },
      };
    case "string": {
      const limit = info.code === "c" ? 0xff : 0xffff;
      const what = info.code === "c"
        ? "a one-byte string or a Uint8Array of length 1"
        : "a string of one UTF-16 code unit";
      return {
        ...info,
        zero: "\0",
        decode: (raw) => String.fromCharCode(raw as number),
        encode(value) {
          if (typeof value === "string") {
            if (value.length !== 1) {
              throw new RangeError(
                `${where} needs ${what}: received ${quote(value)}`,
              );
            }
            const unit = value.charCodeAt(0);
            if (unit > limit) {
              throw new RangeError(
                `${where} needs ${what}: received ${quote(value)}`,
              );
            }
            return unit;
          }
          if (info.code === "c" && value instanceof Uint8Array) {
            if (value.length !== 1) {
              throw new RangeError(
                `${where} needs ${what}: received ${quote(value)}`,
              );
            }
            return value[0] as number;
          }
          throw new TypeError(
            `${where} needs ${what}: received ${quote(value)}`,
          );
        },
      };
    }
  }
}

/**
 * Checks a length or element count: a non-negative safe integer.
 *
 * @param what The action, for the message (`"Cannot create SharedArray"`).
 */
export function checkLength(what: string, length: unknown): number {
  if (typeof length !== "number") {
    throw new TypeError(
      `${what} as length must be a non-negative integer: received ${
        quote(length)
      }`,
    );
  }
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(
      `${what} as length must be a non-negative integer: received ${
        quote(length)
      }`,
    );
  }
  return length;
}
