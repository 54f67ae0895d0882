/**
 * The decoder of the codec (`_codec_format.ts` has the format). It trusts
 * nothing: every length is checked against the bytes left before anything
 * is allocated, nesting is bounded, and no user code runs. Strings are
 * read in `_codec_strings.ts` (short ASCII ones from a cache). Errors, shared
 * objects and boxed primitives are rebuilt in `_codec_revivers.ts`.
 *
 * @module
 */
import {
  readBoxed,
  readError,
  readSab,
  readSabView,
  readShareable,
} from "./_codec_revivers.ts";
import {
  MAX_DEPTH,
  T_ARRAY,
  T_BIGINT,
  T_BOXED,
  T_BUFFER,
  T_DATE,
  T_ERROR,
  T_FALSE,
  T_FLOAT64,
  T_HOLE,
  T_INT32,
  T_MAP,
  T_NULL,
  T_OBJECT,
  T_REF,
  T_REGEXP,
  T_SAB,
  T_SAB_VIEW,
  T_SET,
  T_SHAREABLE,
  T_STR16,
  T_STR8,
  T_TRUE,
  T_UNDEFINED,
  T_VIEW,
  VIEWS,
} from "./_codec_format.ts";
import { readUtf16, readUtf8 } from "./_codec_strings.ts";

const EMPTY = new Uint8Array(0);

/**
 * A fresh copy of `buf[start … end)`. Not `slice()`: on a view of a
 * `SharedArrayBuffer` it copies byte by byte (4 KiB: 1.8 µs against
 * 0.2 µs).
 */
export function copyRange(
  buf: Uint8Array,
  start: number,
  end: number,
): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(end - start);
  out.set(buf.subarray(start, end));
  return out;
}
/** Scratch for float64 reads: no DataView (or buffer) per message. */
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

/** Decodes one value from a byte range. */
class Decoder {
  buf: Uint8Array = EMPTY;
  pos = 0;
  end = 0;
  refs: unknown[] = [];
  nrefs = 0;
  depth = 0;
  /** SAB hub ids are allowed (a ring: same process). */
  sabs = false;

  bad(what: string): never {
    throw new TypeError(
      `Cannot decode message as it is malformed: ${what} at byte ${this.pos}`,
    );
  }

  need(n: number): void {
    if (n > this.end - this.pos) this.bad(`${n} bytes needed, fewer left`);
  }

  u32(): number {
    this.need(4);
    const b = this.buf, p = this.pos;
    this.pos = p + 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) |
      (b[p + 3]! << 24)) >>>
      0;
  }

  f64(): number {
    this.need(8);
    const b = this.buf, p = this.pos;
    for (let i = 0; i < 8; i++) f64Bytes[i] = b[p + i]!;
    this.pos = p + 8;
    return f64[0]!;
  }

  /** A count of items each at least `min` bytes long. */
  count(min: number): number {
    const n = this.u32();
    if (n * min > this.end - this.pos) {
      this.bad(`count ${n} exceeds the bytes left`);
    }
    return n;
  }

  value(): unknown {
    if (this.pos >= this.end) this.bad("value expected, message ended");
    const t = this.buf[this.pos++]!;
    if (t < 0x80) return t;
    if (t < 0xa0) return this.str8(t & 0x1f);
    if (t >= 0xe0) return t - 256;
    if (t < 0xc0) {
      return t < 0xb0 ? this.array(t & 0x0f) : this.plain(t & 0x0f);
    }
    switch (t) {
      case T_UNDEFINED:
        return undefined;
      case T_NULL:
        return null;
      case T_FALSE:
        return false;
      case T_TRUE:
        return true;
      case T_INT32:
        return this.u32() | 0;
      case T_FLOAT64:
        return this.f64();
      case T_STR8:
        return this.str8(this.u32());
      case T_STR16:
        return this.str16();
      case T_ARRAY:
        return this.array(this.count(1));
      case T_OBJECT:
        return this.plain(this.count(2));
      case T_MAP:
        return this.map();
      case T_SET:
        return this.set();
      case T_DATE:
        return this.register(new Date(this.f64()));
      case T_REGEXP:
        return this.regexp();
      case T_BIGINT:
        return this.bigint();
      case T_BUFFER: {
        const n = this.count(1);
        const copy = copyRange(this.buf, this.pos, this.pos + n);
        this.pos += n;
        return this.register(copy.buffer);
      }
      case T_VIEW:
        return this.view_();
      case T_ERROR:
        return readError(this);
      case T_REF: {
        const index = this.u32();
        if (index >= this.nrefs) this.bad(`reference ${index} unknown`);
        return this.refs[index];
      }
      case T_BOXED:
        return readBoxed(this);
      case T_SHAREABLE:
        return readShareable(this);
      case T_SAB:
        return readSab(this);
      case T_SAB_VIEW:
        return readSabView(this);
      default:
        this.pos--;
        return this.bad(`tag 0x${t.toString(16)} unknown`);
    }
  }

  register<T>(o: T): T {
    this.refs[this.nrefs++] = o;
    return o;
  }

  /** Takes the next reference index, for an object built after its parts. */
  reserve(): number {
    this.refs[this.nrefs] = undefined;
    return this.nrefs++;
  }

  enter(): void {
    if (++this.depth > MAX_DEPTH) {
      throw new RangeError(
        `Cannot decode message as it is nested deeper than ${MAX_DEPTH} levels`,
      );
    }
  }

  str8(n: number): string {
    this.need(n);
    const start = this.pos;
    this.pos = start + n;
    return readUtf8(this.buf, start, n);
  }

  str16(): string {
    const n = this.count(2);
    const start = this.pos;
    this.pos = start + 2 * n;
    return readUtf16(this.buf, start, n);
  }

  array(n: number): unknown[] {
    this.enter();
    const out = this.register(new Array<unknown>(n));
    for (let i = 0; i < n; i++) {
      if (this.pos < this.end && this.buf[this.pos] === T_HOLE) this.pos++;
      else out[i] = this.value();
    }
    this.depth--;
    return out;
  }

  key(): string {
    const k = this.value();
    if (typeof k !== "string") this.bad("object key is not a string");
    return k;
  }

  plain(n: number): Record<string, unknown> {
    this.enter();
    const out = this.register({} as Record<string, unknown>);
    for (let i = 0; i < n; i++) {
      const key = this.key();
      const value = this.value();
      if (key === "__proto__") {
        Object.defineProperty(out, key, {
          value,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      } else out[key] = value;
    }
    this.depth--;
    return out;
  }

  map(): Map<unknown, unknown> {
    const n = this.count(2);
    this.enter();
    const out = this.register(new Map());
    for (let i = 0; i < n; i++) out.set(this.value(), this.value());
    this.depth--;
    return out;
  }

  set(): Set<unknown> {
    const n = this.count(1);
    this.enter();
    const out = this.register(new Set());
    for (let i = 0; i < n; i++) out.add(this.value());
    this.depth--;
    return out;
  }

  regexp(): RegExp {
    const index = this.reserve();
    const source = this.value(), flags = this.value();
    if (typeof source !== "string" || typeof flags !== "string") {
      this.bad("RegExp source or flags is not a string");
    }
    try {
      return this.refs[index] = new RegExp(source, flags);
    } catch {
      return this.bad(`RegExp /${source}/${flags} is invalid`);
    }
  }

  bigint(): bigint {
    this.need(1);
    const negative = this.buf[this.pos++]!;
    const hex = this.value();
    if (
      (negative !== 0 && negative !== 1) || typeof hex !== "string" ||
      !/^[0-9a-f]+$/.test(hex)
    ) this.bad("bigint is malformed");
    const v = BigInt(`0x${hex}`);
    return negative ? -v : v;
  }

  view_(): ArrayBufferView {
    this.need(1);
    const entry = VIEWS[this.buf[this.pos++]!];
    if (entry === undefined) this.bad("view kind unknown");
    const n = this.count(1);
    const [Ctor, size] = entry;
    if (n % size !== 0) this.bad(`view length ${n} not a multiple of ${size}`);
    const copy = copyRange(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return this.register(
      new Ctor(copy.buffer, 0, Ctor === (DataView as unknown) ? n : n / size),
    );
  }
}

const decoder = new Decoder();
let decoding = false;

/**
 * Decodes the one value `bytes` holds (a view of a `SharedArrayBuffer` is
 * fine: strings and buffers are copied out).
 *
 * @throws {TypeError} when the bytes are malformed or have trailing bytes.
 * @throws {RangeError} when the value is nested deeper than `MAX_DEPTH`.
 */
export function decode(bytes: Uint8Array): unknown {
  return decodeRange(bytes, 0, bytes.byteLength);
}

/**
 * Decodes the one value held by `buf[start … end)` (a ring's data, read in
 * place, or a whole message).
 *
 * @throws {TypeError} when the bytes are malformed or have trailing bytes.
 * @throws {RangeError} when the value is nested deeper than `MAX_DEPTH`.
 */
export function decodeRange(
  buf: Uint8Array,
  start: number,
  end: number,
): unknown {
  return run(buf, start, end, false);
}

/**
 * `decodeRange` for a ring's message (it stays in this process): SAB hub
 * ids are turned back into `SharedArrayBuffer`s (`_sab_hub.ts`).
 *
 * @throws {TypeError} as `decodeRange`, and when shared memory it names
 * does not reach this thread.
 */
export function decodeShared(
  buf: Uint8Array,
  start: number,
  end: number,
): unknown {
  return run(buf, start, end, true);
}

function run(
  buf: Uint8Array,
  start: number,
  end: number,
  sabs: boolean,
): unknown {
  const dec = decoding ? new Decoder() : decoder;
  decoding = true;
  try {
    dec.sabs = sabs;
    dec.buf = buf;
    dec.pos = start;
    dec.end = end;
    dec.depth = 0;
    const value = dec.value();
    if (dec.pos !== end) dec.bad(`${end - dec.pos} trailing bytes`);
    return value;
  } finally {
    if (dec.nrefs !== 0) {
      if (dec.nrefs > 1024) dec.refs = [];
      else {
        // A plain loop, not refs.fill(): the optimized decodeRange
        // deoptimized at the fill lookup ("wrong map") over and over.
        const refs = dec.refs;
        for (let i = 0; i < dec.nrefs; i++) refs[i] = undefined;
      }
      dec.nrefs = 0;
    }
    dec.buf = EMPTY; // do not keep a received message alive
    if (dec === decoder) decoding = false;
  }
}
