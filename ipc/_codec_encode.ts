/**
 * The encoder of the codec (`_codec_format.ts` has the format): on the
 * byte writer of `_codec_writer.ts`, the containers and special objects, a
 * short list of the objects seen (a map past `LINEAR_REFS`) for back
 * references, and a failure that collects the path of the part that
 * cannot be encoded.
 *
 * @module
 */
import { describe, isShareable } from "../sync/_shareable.ts";
import { holdsSharedMemory, serializeError } from "./_transfer.ts";
import { publishSab } from "./_sab_hub.ts";
import {
  MAX_DEPTH,
  T_ARRAY,
  T_BOXED,
  T_BUFFER,
  T_DATE,
  T_ERROR,
  T_FALSE,
  T_HOLE,
  T_MAP,
  T_NULL,
  T_OBJECT,
  T_REF,
  T_REGEXP,
  T_SAB,
  T_SAB_VIEW,
  T_SET,
  T_SHAREABLE,
  T_TRUE,
  T_UNDEFINED,
  T_VIEW,
  VIEWS,
} from "./_codec_format.ts";
import {
  EncodeFailure,
  INDEX,
  KEY,
  MAP_KEY,
  MAP_VALUE,
  refusal,
  SET_VALUE,
  unlinked,
} from "./_codec_refusal.ts";
import { ByteWriter } from "./_codec_writer.ts";
import { describeValue } from "./_unclonable.ts";

/** Objects per message tracked by a linear search before a map. */
const LINEAR_REFS = 16;

/** Encodes values into one reusable, growing buffer. */
class Encoder extends ByteWriter {
  list: (object | undefined)[] = new Array(LINEAR_REFS).fill(undefined);
  count = 0;
  map: Map<object, number> | undefined;
  depth = 0;
  busy = false;
  /** Shared memory goes as SAB hub ids (a ring: same process). */
  sabs = false;

  /** Forgets the objects of the last message (and lets them be collected). */
  reset(): void {
    this.pos = 0;
    this.depth = 0;
    for (let i = 0; i < this.count && i < LINEAR_REFS; i++) {
      this.list[i] = undefined;
    }
    this.count = 0;
    this.map = undefined;
    this.sabs = false;
  }

  value(v: unknown): void {
    if (this.pos + 16 > this.buf.length) this.grow(16);
    const t = typeof v;
    if (t === "number") return this.number(v as number);
    if (t === "string") return this.string(v as string);
    if (t === "object") {
      if (v === null) this.buf[this.pos++] = T_NULL;
      else this.object(v as object);
      return;
    }
    if (t === "boolean") {
      this.buf[this.pos++] = v ? T_TRUE : T_FALSE;
      return;
    }
    if (t === "undefined") {
      this.buf[this.pos++] = T_UNDEFINED;
      return;
    }
    if (t === "bigint") return this.bigint(v as bigint);
    throw new EncodeFailure(
      t === "function" ? "a function" : "a symbol",
      describeValue(v) + (t === "function" ? "; send data, not code" : ""),
    );
  }

  /** Encodes a part of a container; a failure learns where it was. */
  item(v: unknown, at: string | number, how: number): void {
    try {
      this.value(v);
    } catch (e) {
      if (e instanceof EncodeFailure) e.at(at, how);
      throw e;
    }
  }

  /**
   * Writes a back reference if `o` was seen, else registers it. Small
   * messages search a short list; past `LINEAR_REFS` objects a map takes
   * over.
   */
  seen(o: object): boolean {
    let index = -1;
    if (this.map === undefined) {
      const list = this.list;
      for (let i = 0; i < this.count; i++) {
        if (list[i] === o) {
          index = i;
          break;
        }
      }
    } else index = this.map.get(o) ?? -1;
    if (index >= 0) {
      this.buf[this.pos++] = T_REF;
      this.u32(index);
      return true;
    }
    if (this.map !== undefined) this.map.set(o, this.count);
    else if (this.count < LINEAR_REFS) this.list[this.count] = o;
    else {
      const map = new Map<object, number>();
      this.list.forEach((item, i) => map.set(item!, i));
      map.set(o, this.count);
      this.map = map;
    }
    this.count++;
    return false;
  }

  object(o: object): void {
    if (this.seen(o)) return;
    if (++this.depth > MAX_DEPTH) {
      throw new EncodeFailure(
        `nested deeper than ${MAX_DEPTH} levels`,
        "a deeper value",
        true,
      );
    }
    if (Array.isArray(o)) this.array(o);
    else {
      const proto = Object.getPrototypeOf(o);
      if (proto === Object.prototype || proto === null) this.plain(o);
      else this.special(o, proto);
    }
    this.depth--;
  }

  array(a: unknown[]): void {
    const n = a.length;
    if (n < 16) this.buf[this.pos++] = 0xa0 | n;
    else {
      this.buf[this.pos++] = T_ARRAY;
      this.u32(n);
    }
    for (let i = 0; i < n; i++) {
      const item = a[i];
      if (item === undefined && !(i in a)) {
        if (this.pos + 1 > this.buf.length) this.grow(1);
        this.buf[this.pos++] = T_HOLE;
      } else this.item(item, i, INDEX);
    }
  }

  /** A plain object: `for…in` needs no key array; the count is patched. */
  plain(o: object): void {
    const start = this.pos++;
    const rec = o as Record<string, unknown>;
    let n = 0;
    for (const key in rec) {
      this.value(key);
      this.item(rec[key], key, KEY);
      n++;
    }
    this.patchCount(start, n);
  }

  /** Own enumerable properties only (class instances, error records). */
  props(o: object): void {
    const start = this.pos++;
    const keys = Object.keys(o);
    const rec = o as Record<string, unknown>;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      this.value(key);
      this.item(rec[key], key, KEY);
    }
    this.patchCount(start, keys.length);
  }

  /** Writes an object's tag at `start`, moving the body for a long count. */
  patchCount(start: number, n: number): void {
    if (n < 16) {
      this.buf[start] = 0xb0 | n;
      return;
    }
    if (this.pos + 4 > this.buf.length) this.grow(4);
    this.buf.copyWithin(start + 5, start + 1, this.pos);
    this.pos += 4;
    const end = this.pos;
    this.pos = start;
    this.buf[this.pos++] = T_OBJECT;
    this.u32(n);
    this.pos = end;
  }

  special(o: object, proto: object): void {
    if (ArrayBuffer.isView(o)) return this.view_(o);
    if (o instanceof ArrayBuffer) {
      this.buf[this.pos++] = T_BUFFER;
      return this.bytes(new Uint8Array(o));
    }
    if (o instanceof Map) {
      this.buf[this.pos++] = T_MAP;
      this.u32(o.size);
      let i = 0;
      for (const [k, v] of o) {
        this.item(k, i, MAP_KEY);
        this.item(v, i++, MAP_VALUE);
      }
      return;
    }
    if (o instanceof Set) {
      this.buf[this.pos++] = T_SET;
      this.u32(o.size);
      let i = 0;
      for (const v of o) this.item(v, i++, SET_VALUE);
      return;
    }
    if (o instanceof Date) {
      this.buf[this.pos++] = T_DATE;
      this.view.setFloat64(this.pos, o.getTime(), true);
      this.pos += 8;
      return;
    }
    if (o instanceof Error) {
      this.buf[this.pos++] = T_ERROR;
      return this.value(serializeError(o));
    }
    if (o instanceof RegExp) {
      this.buf[this.pos++] = T_REGEXP;
      this.string(o.source);
      return this.value(o.flags);
    }
    if (
      o instanceof Number || o instanceof String || o instanceof Boolean ||
      o instanceof BigInt
    ) {
      this.buf[this.pos++] = T_BOXED;
      return this.value(o.valueOf());
    }
    if (isShareable(o)) {
      // A shared object travels as its description, unless it holds shared
      // memory and the bytes may leave the process: then it is refused.
      const { kind, data } = o[describe]();
      if (this.sabs || !holdsSharedMemory(data)) {
        this.buf[this.pos++] = T_SHAREABLE;
        this.value(kind);
        return this.value(data);
      }
    }
    if (this.sabs && o instanceof SharedArrayBuffer) {
      const id = this.sabId(o);
      this.buf[this.pos++] = T_SAB;
      return this.u32(id);
    }
    const refused = refusal(o, proto);
    if (refused !== undefined) throw refused;
    // A class instance without methods travels as a plain object.
    this.props(o);
  }

  /** The hub id of `o`, published if new. */
  sabId(o: SharedArrayBuffer): number {
    const id = publishSab(o);
    if (id < 0) throw unlinked(o);
    return id;
  }

  view_(v: ArrayBufferView): void {
    const over = this.sabs && v.buffer instanceof SharedArrayBuffer;
    const refused = over ? undefined : refusal(v, undefined);
    if (refused !== undefined) throw refused;
    let kind = -1;
    for (let k = 0; k < VIEWS.length; k++) {
      if (v.constructor === VIEWS[k]![0]) kind = k;
    }
    if (kind < 0) {
      throw new EncodeFailure("an unsupported view", describeValue(v));
    }
    if (over) {
      const id = this.sabId(v.buffer as SharedArrayBuffer);
      if (this.pos + 14 > this.buf.length) this.grow(14);
      this.buf[this.pos++] = T_SAB_VIEW;
      this.buf[this.pos++] = kind;
      this.u32(id);
      this.u32(v.byteOffset);
      return this.u32(v.byteLength);
    }
    if (this.pos + 2 > this.buf.length) this.grow(2);
    this.buf[this.pos++] = T_VIEW;
    this.buf[this.pos++] = kind;
    this.bytes(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }
}

const shared = new Encoder();

/** The result of `encodeScratch`: the codec's buffer and the bytes used. */
export interface Encoded {
  /** The scratch buffer; only `buf[0 … length)` is the message. */
  buf: Uint8Array;
  /** How many bytes the message takes. */
  length: number;
}

const scratch: Encoded = { buf: shared.buf, length: 0 };

/**
 * Encodes `value` into the codec's scratch buffer, valid until the next
 * call, and returns it (always the same object). `name` names the value in
 * error messages. With `sabs` (a ring: the bytes stay in this process),
 * shared memory is written as SAB hub ids instead of being refused.
 *
 * @throws {TypeError} when a part cannot be encoded (the path is named).
 * @throws {RangeError} when the value is nested deeper than `MAX_DEPTH`.
 */
export function encodeScratch(
  value: unknown,
  name = "value",
  sabs = false,
): Encoded {
  if (shared.busy) {
    // A reentrant call (a getter that sends) gets its own encoder.
    const bytes = encode(value, name, sabs);
    return { buf: bytes, length: bytes.length };
  }
  shared.busy = true;
  shared.sabs = sabs;
  try {
    shared.value(value);
  } catch (e) {
    if (e instanceof EncodeFailure) throw e.toError(name);
    throw e;
  } finally {
    scratch.buf = shared.buf;
    scratch.length = shared.pos;
    shared.reset();
    shared.busy = false;
  }
  return scratch;
}

/** Encodes `value` into a fresh buffer; see `encodeScratch`. */
export function encode(
  value: unknown,
  name = "value",
  sabs = false,
): Uint8Array {
  const enc = shared.busy ? new Encoder() : shared;
  enc.busy = true;
  enc.sabs = sabs;
  try {
    enc.value(value);
    return enc.buf.slice(0, enc.pos);
  } catch (e) {
    if (e instanceof EncodeFailure) throw e.toError(name);
    throw e;
  } finally {
    enc.reset();
    enc.busy = false;
  }
}
