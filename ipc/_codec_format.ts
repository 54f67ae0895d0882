/**
 * The binary format of `_codec.ts`: a value as bytes.
 *
 * It carries what `postMessage` carries and users send in practice:
 * `undefined`, `null`, booleans, numbers (`NaN`, `-0`, infinities exact),
 * bigints, strings (lone surrogates kept), plain objects, arrays (holes
 * kept), `Map`, `Set`, `Date`, `RegExp`, boxed primitives, `ArrayBuffer`,
 * typed arrays and `DataView` (their viewed bytes, copied), errors (through
 * the error records of `_transfer.ts`: class, message, stack, `cause`, own
 * properties), and class instances without methods (as plain objects, like
 * structured clone). Shared references and cycles come back as they left.
 * Functions, symbols, class instances with methods, `WeakMap`, `Promise`,
 * and, on a byte stream that may leave the process (a socket, a
 * subprocess), anything over shared memory (a `SharedArrayBuffer`, a view
 * of one, a shareable object over shared memory) are a `TypeError` that
 * names the path of the part. A shareable travels as its description and
 * is revived through the registry; in a ring (`shared` encoding, same
 * process) its `SharedArrayBuffer`s travel as ids of the SAB hub
 * (`_sab_hub.ts`).
 *
 * Layout: one tag byte per value, then its body. Lengths are u32
 * little-endian. Fast paths: integers 0…127 and -32…-1 are one byte,
 * strings under 32 UTF-8 bytes, arrays and objects under 16 entries carry
 * their length in the tag.
 *
 * | tag         | value                                                    |
 * | ----------- | -------------------------------------------------------- |
 * | 0x00–0x7f   | integer 0…127                                            |
 * | 0x80–0x9f   | UTF-8 string of 0…31 bytes (bytes follow)                |
 * | 0xa0–0xaf   | array of 0…15 items (items follow)                       |
 * | 0xb0–0xbf   | plain object of 0…15 entries (key, value pairs follow)   |
 * | 0xc0–0xc3   | `undefined`, `null`, `false`, `true`                     |
 * | 0xc4 / 0xc5 | int32 / float64                                          |
 * | 0xc6 / 0xc7 | UTF-8 string / UTF-16 string (ill-formed), u32 length    |
 * | 0xc8 / 0xc9 | array / plain object, u32 count                          |
 * | 0xca / 0xcb | `Map` (u32 count, key, value) / `Set` (u32 count, items) |
 * | 0xcc / 0xcd | `Date` (float64) / `RegExp` (source, flags)              |
 * | 0xce        | bigint (sign byte, hex string)                           |
 * | 0xcf        | `ArrayBuffer` (u32 length, bytes)                        |
 * | 0xd0        | view (kind byte, u32 byte length, bytes)                 |
 * | 0xd1        | error (its record, a plain object)                       |
 * | 0xd2        | back reference (u32 index of an earlier object)          |
 * | 0xd3        | array hole                                               |
 * | 0xd4        | boxed primitive (the primitive follows)                  |
 * | 0xd5        | shared object (kind, its data)                           |
 * | 0xd6        | `SharedArrayBuffer` by hub id (u32), rings only          |
 * | 0xd7        | view of one (kind byte, u32 id, offset, byte length)     |
 * | 0xe0–0xff   | integer -32…-1                                           |
 *
 * Every object (everything from 0xa0–0xbf, 0xc8–0xd1, 0xd4–0xd7) takes the next
 * back-reference index when it starts. Decoding never runs code: no
 * constructor of user classes, no getters or setters (`__proto__` is an
 * ordinary own key); every length is checked against the bytes left before
 * anything is allocated, nesting is limited to `MAX_DEPTH`, and malformed
 * input is a `TypeError` (or a `RangeError` for too deep nesting), never a
 * crash or a hang.
 *
 * `_codec_encode.ts` writes it and `_codec_decode.ts` reads it.
 *
 * @module
 */

/** The deepest nesting encoded or decoded. */
export const MAX_DEPTH = 1000;

export const T_UNDEFINED = 0xc0;
export const T_NULL = 0xc1;
export const T_FALSE = 0xc2;
export const T_TRUE = 0xc3;
export const T_INT32 = 0xc4;
export const T_FLOAT64 = 0xc5;
export const T_STR8 = 0xc6;
export const T_STR16 = 0xc7;
export const T_ARRAY = 0xc8;
export const T_OBJECT = 0xc9;
export const T_MAP = 0xca;
export const T_SET = 0xcb;
export const T_DATE = 0xcc;
export const T_REGEXP = 0xcd;
export const T_BIGINT = 0xce;
export const T_BUFFER = 0xcf;
export const T_VIEW = 0xd0;
export const T_ERROR = 0xd1;
export const T_REF = 0xd2;
export const T_HOLE = 0xd3;
export const T_BOXED = 0xd4;
/**
 * A shareable (kind, then its description's data), revived through the
 * registry of `_kinds.ts`. Without `shared` encoding only one over no shared
 * memory (a Manager proxy: an address, a key and an id).
 */
export const T_SHAREABLE = 0xd5;
/**
 * A `SharedArrayBuffer` by its id in the SAB hub (`_sab_hub.ts`): only in
 * messages that stay in this process (rings), encoded and decoded with
 * `shared` set.
 */
export const T_SAB = 0xd6;
/** A view of a `SharedArrayBuffer`: kind byte, hub id, offset, length. */
export const T_SAB_VIEW = 0xd7;

/** A view constructor. */
export type ViewCtor = new (
  buffer: ArrayBuffer,
  offset: number,
  length: number,
) => ArrayBufferView;

/** View kinds, by their byte in a `T_VIEW` body. */
export const VIEWS: [ViewCtor, number][] = [
  [DataView as unknown as ViewCtor, 1],
  [Int8Array, 1],
  [Uint8Array, 1],
  [Uint8ClampedArray, 1],
  [Int16Array, 2],
  [Uint16Array, 2],
  [Int32Array, 4],
  [Uint32Array, 4],
  [Float32Array, 4],
  [Float64Array, 8],
  [BigInt64Array, 8],
  [BigUint64Array, 8],
];
