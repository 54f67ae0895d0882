/**
 * The memory layout of a structure, as a C compiler lays it out on 64-bit
 * Linux (and as ctypes does): fields in declaration order, each at the next
 * offset that is a multiple of its element size (natural alignment), and
 * the whole padded to a multiple of its largest alignment, so that records
 * in an array stay aligned.
 *
 * @module
 */
import { type Codec, codecOf } from "./_codec.ts";
import { quote } from "./_quote.ts";
import type { DType } from "./dtype.ts";

/** One field of a structure. */
export interface FieldLayout {
  name: string;
  /** The element type as declared. */
  type: DType;
  codec: Codec;
  /** Element count for array fields, `undefined` for a scalar. */
  count: number | undefined;
  /** Byte offset from the start of a record. */
  offset: number;
  /** Bytes the field occupies. */
  size: number;
}

/** A structure's fields, size and alignment. */
export interface StructLayout {
  fields: FieldLayout[];
  /** Bytes per record, padding included. */
  size: number;
  /** Alignment of a record: its largest field alignment. */
  align: number;
}

/** Rounds `offset` up to a multiple of `align`. */
export function alignUp(offset: number, align: number): number {
  return Math.ceil(offset / align) * align;
}

/** Lays out `fields` (`{ name: code | [code, count] }`); throws on bad specs. */
export function layoutOf(fields: unknown): StructLayout {
  const what = "Cannot create SharedStruct";
  if (typeof fields !== "object" || fields === null || Array.isArray(fields)) {
    throw new TypeError(
      `${what} as fields must be an object of type codes: received ${
        quote(fields)
      }`,
    );
  }
  const out: FieldLayout[] = [];
  let offset = 0;
  let align = 1;
  for (const [name, spec] of Object.entries(fields)) {
    let type: unknown = spec;
    let count: number | undefined;
    if (Array.isArray(spec)) {
      [type, count] = spec;
      if (
        spec.length !== 2 || typeof count !== "number" ||
        !Number.isSafeInteger(count) || count < 1
      ) {
        throw new RangeError(
          `${what} as field ${
            quote(name)
          } must be [code, length] with a positive integer length: received [${
            spec.map(quote).join(", ")
          }]`,
        );
      }
    }
    const codec = codecOf(type as DType);
    offset = alignUp(offset, codec.size);
    const size = codec.size * (count ?? 1);
    out.push({ name, type: type as DType, codec, count, offset, size });
    offset += size;
    align = Math.max(align, codec.size);
  }
  if (out.length === 0) {
    throw new RangeError(`${what} as it needs at least one field: received {}`);
  }
  return { fields: out, size: alignUp(offset, align), align };
}
