/**
 * The byte writer under the codec's encoder (`_codec_format.ts` has the
 * format): one buffer that doubles when a write needs more room, and the
 * writes of the scalar values. Numbers take one byte when they are small
 * integers, else an int32 or a float64; strings take one byte of length
 * when short and ASCII or UTF-8 under 32 bytes, else a u32 length, and
 * UTF-16 when not well formed.
 *
 * @module
 */
import {
  T_BIGINT,
  T_FLOAT64,
  T_INT32,
  T_STR16,
  T_STR8,
} from "./_codec_format.ts";

const textEncoder = new TextEncoder();

/** Writes scalars into one growing buffer, from `pos`. */
export class ByteWriter {
  buf: Uint8Array = new Uint8Array(256);
  view: DataView = new DataView(this.buf.buffer);
  pos = 0;

  /** Makes room for `need` more bytes at `pos`. */
  grow(need: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** A u32, little-endian (the caller made room). */
  u32(n: number): void {
    const b = this.buf, p = this.pos;
    b[p] = n;
    b[p + 1] = n >>> 8;
    b[p + 2] = n >>> 16;
    b[p + 3] = n >>> 24;
    this.pos = p + 4;
  }

  /** A number: a one-byte int, an int32, or a float64. */
  number(v: number): void {
    const b = this.buf;
    if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
      if (v >= 0 && v < 128) b[this.pos++] = v;
      else if (v < 0 && v >= -32) b[this.pos++] = v & 0xff;
      else {
        b[this.pos++] = T_INT32;
        this.u32(v);
      }
    } else {
      b[this.pos++] = T_FLOAT64;
      this.view.setFloat64(this.pos, v, true);
      this.pos += 8;
    }
  }

  /** A string: short ASCII or UTF-8 with its length in the tag, else u32. */
  string(s: string): void {
    const n = s.length;
    if (n < 32) {
      if (this.pos + 33 > this.buf.length) this.grow(33);
      const b = this.buf;
      const start = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        b[start + i] = c;
      }
      if (i === n) {
        b[this.pos] = 0x80 | n;
        this.pos = start + n;
        return;
      }
    }
    if (!s.isWellFormed()) return this.utf16(s);
    const max = n * 3;
    if (this.pos + max + 5 > this.buf.length) this.grow(max + 5);
    if (max < 32) {
      const { written } = textEncoder.encodeInto(
        s,
        this.buf.subarray(this.pos + 1),
      );
      if (written < 32) {
        this.buf[this.pos] = 0x80 | written;
        this.pos += 1 + written;
        return;
      }
    }
    const { written } = textEncoder.encodeInto(
      s,
      this.buf.subarray(this.pos + 5),
    );
    this.buf[this.pos++] = T_STR8;
    this.u32(written);
    this.pos += written;
  }

  /** A string that is not well formed, as UTF-16 code units. */
  utf16(s: string): void {
    const n = s.length;
    if (this.pos + 2 * n + 5 > this.buf.length) this.grow(2 * n + 5);
    this.buf[this.pos++] = T_STR16;
    this.u32(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      b[p++] = c;
      b[p++] = c >>> 8;
    }
    this.pos = p;
  }

  /** A bigint: a sign byte, then its magnitude as a hex string. */
  bigint(v: bigint): void {
    this.buf[this.pos++] = T_BIGINT;
    this.buf[this.pos++] = v < 0n ? 1 : 0;
    this.string((v < 0n ? -v : v).toString(16));
  }

  /** A u32 length, then the bytes. */
  bytes(source: Uint8Array): void {
    const n = source.byteLength;
    if (this.pos + n + 4 > this.buf.length) this.grow(n + 4);
    this.u32(n);
    this.buf.set(source, this.pos);
    this.pos += n;
  }
}
