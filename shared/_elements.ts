/**
 * The element store behind every shared value and array: a typed array over
 * a `SharedArrayBuffer` plus the codec of its type, with index checks and
 * the atomic operations. `RawValue`, `RawArray` and struct fields are thin
 * public faces over one `Elements`.
 *
 * Indexes are checked on every access (an integer; negative counts from the
 * end, as in Python); a miss is a `RangeError`, never a silent no-op. Atomic
 * operations exist only for integer types and follow `Atomics`: they return
 * the old value, and `add`/`sub` wrap around modulo 2^bits as `Atomics` does
 * (the operand itself must fit the type).
 *
 * @module
 */
import { type Codec, codecOf } from "./_codec.ts";
import { checkIndex } from "./_index.ts";
import type { DType } from "./dtype.ts";

/** Any typed array that backs elements. */
export type AnyView =
  | Int8Array<SharedArrayBuffer>
  | Uint8Array<SharedArrayBuffer>
  | Int16Array<SharedArrayBuffer>
  | Uint16Array<SharedArrayBuffer>
  | Int32Array<SharedArrayBuffer>
  | Uint32Array<SharedArrayBuffer>
  | BigInt64Array<SharedArrayBuffer>
  | BigUint64Array<SharedArrayBuffer>
  | Float32Array<SharedArrayBuffer>
  | Float64Array<SharedArrayBuffer>;

/** Plain data that rebuilds an `Elements` over the same memory. */
export interface ElementsData {
  /** The type as the user gave it (code or name). */
  type: DType;
  buffer: SharedArrayBuffer;
  byteOffset: number;
  length: number;
}

type ViewConstructor = new (
  buffer: SharedArrayBuffer,
  byteOffset?: number,
  length?: number,
) => AnyView;

/** The typed array constructor of `codec`, over shared memory. */
export function viewConstructor(codec: Codec): ViewConstructor {
  return codec.array as unknown as ViewConstructor;
}

type Atomic = (
  view: never,
  index: number,
  value: never,
) => number | bigint;

/** A checked, typed window on shared memory. */
export class Elements {
  /** The type as the user gave it. */
  readonly type: DType;
  readonly codec: Codec;
  readonly view: AnyView;
  readonly length: number;
  /** The owner's name for messages, e.g. `"SharedArray"`. */
  readonly owner: string;

  constructor(owner: string, type: DType, view: AnyView) {
    this.owner = owner;
    this.type = type;
    this.codec = codecOf(type);
    this.view = view;
    this.length = view.length;
  }

  /** New zero-filled elements in a fresh `SharedArrayBuffer`. */
  static allocate(owner: string, type: DType, length: number): Elements {
    const codec = codecOf(type);
    const buffer = new SharedArrayBuffer(length * codec.size);
    return new Elements(owner, type, new (viewConstructor(codec))(buffer));
  }

  /** Elements over existing memory (a revived description). */
  static adopt(owner: string, data: ElementsData): Elements {
    const codec = codecOf(data.type);
    const view = new (viewConstructor(codec))(
      data.buffer,
      data.byteOffset,
      data.length,
    );
    return new Elements(owner, data.type, view);
  }

  /** The description of this memory. */
  data(): ElementsData {
    return {
      type: this.type,
      buffer: this.view.buffer,
      byteOffset: this.view.byteOffset,
      length: this.length,
    };
  }

  /** Checked position of `index` (negative counts from the end). */
  at(index: number): number {
    // The common case without a call; `checkIndex` does the rest.
    if (index >= 0 && index < this.length && Number.isInteger(index)) {
      return index;
    }
    return checkIndex(this.owner, "element", index, this.length);
  }

  get(index: number): unknown {
    const raw = this.view[this.at(index)] as number | bigint;
    const decode = this.codec.decode;
    return decode === undefined ? raw : decode(raw);
  }

  set(index: number, value: unknown): void {
    const i = this.at(index);
    (this.view as Int32Array)[i] = this.codec.encode(value) as number;
  }

  /** Values of positions `start` (inclusive) to `end` (exclusive). */
  range(start: number, end: number): unknown[] {
    const out = new Array<unknown>(Math.max(0, end - start));
    const decode = this.codec.decode;
    const view = this.view;
    for (let i = start, k = 0; i < end; i++, k++) {
      const raw = view[i] as number | bigint;
      out[k] = decode === undefined ? raw : decode(raw);
    }
    return out;
  }

  /** Stores `values` from position `start`; checks all before writing any. */
  assign(values: Iterable<unknown>, start: number): number {
    const raws: (number | bigint)[] = [];
    if (this.codec.code === "c" && values instanceof Uint8Array) {
      raws.push(...values);
    } else if (typeof values === "string" && this.codec.value === "string") {
      for (const ch of values.split("")) raws.push(this.codec.encode(ch));
    } else {
      for (const value of values) raws.push(this.codec.encode(value));
    }
    if (start + raws.length > this.length) {
      throw new RangeError(
        `Cannot assign ${this.owner} elements as ${raws.length} values from position ${start} do not fit in length ${this.length}`,
      );
    }
    const view = this.view as Int32Array;
    for (let k = 0; k < raws.length; k++) view[start + k] = raws[k] as number;
    return raws.length;
  }

  /** `[start, end)` of a slice, resolved as `Array.prototype.slice` does. */
  bounds(start = 0, end = this.length): [number, number] {
    const n = this.length;
    const s = Math.trunc(start);
    const e = Math.trunc(end);
    const from = s < 0 ? Math.max(n + s, 0) : Math.min(s, n);
    const to = e < 0 ? Math.max(n + e, 0) : Math.min(e, n);
    return [from, Math.max(from, to)];
  }

  fill(value: unknown, start?: number, end?: number): void {
    const raw = this.codec.encode(value);
    const [from, to] = this.bounds(start, end);
    (this.view as Int32Array).fill(raw as number, from, to);
  }

  /** Throws unless the type has atomic operations. */
  atomic(op: string): void {
    if (!this.codec.integer) {
      throw new TypeError(
        `Cannot use ${this.owner}.${op}() as atomic operations need an integer type: received "${this.type}"`,
      );
    }
  }

  /** Runs one `Atomics` operation on position `index` with a checked operand. */
  op(name: string, fn: Atomic, index: number, value: unknown): number | bigint {
    this.atomic(name);
    const i = this.at(index);
    return fn(this.view as never, i, this.codec.encode(value) as never);
  }

  load(index: number): number | bigint {
    this.atomic("load");
    return Atomics.load(this.view as Int32Array, this.at(index));
  }

  store(index: number, value: unknown): number | bigint {
    this.atomic("store");
    const i = this.at(index);
    return Atomics.store(
      this.view as Int32Array,
      i,
      this.codec.encode(value) as number,
    );
  }

  compareExchange(
    index: number,
    expected: unknown,
    replacement: unknown,
  ): number | bigint {
    this.atomic("compareExchange");
    const i = this.at(index);
    return Atomics.compareExchange(
      this.view as Int32Array,
      i,
      this.codec.encode(expected) as number,
      this.codec.encode(replacement) as number,
    );
  }
}

/** The `Atomics` read-modify-write operations, by method name. */
export const ATOMIC_OPS: Readonly<Record<string, Atomic>> = {
  add: Atomics.add as Atomic,
  sub: Atomics.sub as Atomic,
  and: Atomics.and as Atomic,
  or: Atomics.or as Atomic,
  xor: Atomics.xor as Atomic,
  exchange: Atomics.exchange as Atomic,
};

const bound = new WeakMap<object, Elements>();

/** Records the elements behind a public object (for its subclasses). */
export function bindElements(owner: object, elements: Elements): Elements {
  bound.set(owner, elements);
  return elements;
}

/** The elements behind a public object made by `bindElements`. */
export function elementsOf(owner: object): Elements {
  return bound.get(owner)!;
}

/** Memory handed to a constructor by `[revive]` instead of a length. */
export class Adopt {
  constructor(readonly elements: Elements) {}
}
