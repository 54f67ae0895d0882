/**
 * How a record's fields read and write their memory: one property accessor
 * per field, installed on a per-layout prototype, over typed views of the
 * record's buffer (made once per type code and record). A scalar field
 * checks values with its type's codec; a `"c"` array field is a UTF-8
 * string (NUL-padded), a `"u"` array field a UTF-16 string, and any other
 * array field a `RawArray` view.
 *
 * @module
 */
import { revive } from "../sync/_shareable.ts";
import type { AnyView } from "./_elements.ts";
import type { FieldLayout } from "./_layout.ts";
import { quote } from "./_quote.ts";
import { RawArray } from "./raw_array.ts";

/** Where a record's bytes are, and typed views over them by type code. */
export interface Memory {
  buffer: SharedArrayBuffer;
  base: number;
  views: Map<string, AnyView>;
}

/** The symbol under which a record keeps its `Memory` (not enumerable). */
export const MEM: unique symbol = Symbol("memory");
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The typed array of `field`'s type over the record's whole buffer. */
export function viewOf(memory: Memory, field: FieldLayout): AnyView {
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

/** The property descriptor of `field` on a layout's record prototype. */
export function accessor(field: FieldLayout): PropertyDescriptor {
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

/** The record memory of `record`. */
export function memoryOf(record: object): Memory {
  return (record as Record<symbol, Memory>)[MEM]!;
}
