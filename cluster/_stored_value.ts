/**
 * Values in Redis are the package's binary codec (`ipc/_codec.ts`) bytes,
 * stored as binary-safe Redis strings. What the codec refuses (functions,
 * shared memory, …) is a `TypeError` naming the path of the part.
 *
 * Dictionary keys are codec bytes too, which keeps their types apart: `1`
 * (an integer tag), `"1"` (a string tag), `0.25` (a float64) and `1n` (a
 * bigint) are four fields. Keys are primitives, as in `DictProxy`; `-0` is
 * stored as `0` and every `NaN` as the one canonical `NaN`, so that a key
 * matches as `Map` matches it (SameValueZero).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { decode, encode } from "../ipc/_codec.ts";

/** `value` as codec bytes in a `Buffer` (no copy). */
export function pack(value: unknown, name: string): Buffer {
  const bytes = encode(value, name);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The value held by codec bytes. A `Buffer` is looked at as a plain
 * `Uint8Array` first: `Buffer#slice` makes views, not copies, and decoded
 * typed arrays would otherwise share the client's reused read buffer.
 */
export function unpack(bytes: Uint8Array): unknown {
  return decode(
    new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  );
}

/**
 * A dictionary key as a field: its codec bytes after normalising `-0` and
 * `NaN`.
 *
 * @throws {TypeError} when `key` is not a primitive.
 */
export function packKey(key: unknown, what: string): Buffer {
  const type = typeof key;
  if (
    key !== null && type !== "string" && type !== "number" &&
    type !== "bigint" && type !== "boolean" && type !== "undefined"
  ) {
    throw new TypeError(
      `Cannot use the key in ${what} as keys must be primitives (string, number, bigint, boolean, null or undefined): received ${
        type === "object" ? Object.prototype.toString.call(key) : type
      }`,
    );
  }
  if (type === "number") {
    if (key === 0) key = 0;
    else if (Number.isNaN(key)) key = NaN;
  }
  return pack(key, "key");
}
