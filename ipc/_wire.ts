/**
 * The frame format for byte-stream transports (sockets, stdio pipes).
 *
 * A stream carries a sequence of frames. Each frame is an 8-byte header
 * followed by its payload:
 *
 * | offset | size | field                                              |
 * | -----: | ---: | -------------------------------------------------- |
 * |      0 |    4 | payload length in bytes, unsigned, little-endian   |
 * |      4 |    1 | version, `WIRE_VERSION` (1)                         |
 * |      5 |    1 | tag: what the payload is (`FrameTag`)              |
 * |      6 |    2 | flags, reserved: must be 0                         |
 * |      8 |    n | payload                                            |
 *
 * Tags 1–15 belong to `Connection` (`FrameTag`); 16–31 are for the
 * authentication handshake (`ipc/_auth.ts`), 32–47 for the Manager, 48–63
 * for the pool's subprocess protocol. Tag 0 and tags above 63 are malformed.
 *
 * Decoding never trusts the peer: the length is checked against
 * `maxFrameSize` before any payload memory is allocated, a bad version, tag
 * or flags field is a `TypeError`, an oversized frame a `RangeError`, and a
 * stream that ends inside a frame a `TypeError`. The decoder never throws
 * anything else and never loops without consuming input.
 *
 * @module
 */

/** The version byte this build writes and accepts. */
export const WIRE_VERSION = 1;

/** Size of a frame header in bytes. */
export const HEADER_SIZE = 8;

/** The default largest payload a decoder accepts: 256 MiB. */
export const DEFAULT_MAX_FRAME_SIZE = 256 * 1024 * 1024;

/** The largest tag number. */
export const MAX_TAG = 63;

/** The tags `Connection` uses. */
export const FrameTag = {
  /** A value encoded with `ipc/_codec.ts` (`Connection.send`). */
  value: 1,
  /** Raw bytes (`Connection.sendBytes`). */
  bytes: 2,
  /** The sender closed its end; no frame follows. */
  close: 3,
} as const;

/** One decoded frame. */
export interface Frame {
  /** What the payload is (see `FrameTag`). */
  tag: number;
  /** The payload bytes, owned by the receiver. */
  payload: Uint8Array;
}

/** Options of `FrameDecoder` and `readFrames`. */
export interface FrameDecoderOptions {
  /** Largest payload accepted, in bytes. Default `DEFAULT_MAX_FRAME_SIZE`. */
  maxFrameSize?: number;
}

function checkTag(tag: number): void {
  if (!Number.isInteger(tag) || tag < 1 || tag > MAX_TAG) {
    throw new RangeError(
      `Cannot encode frame as tag must be an integer from 1 to ${MAX_TAG}: received ${tag}`,
    );
  }
}

/**
 * Writes a frame header for a payload of `length` bytes into `target` at
 * `offset`.
 */
export function writeHeader(
  target: Uint8Array,
  offset: number,
  tag: number,
  length: number,
): void {
  checkTag(tag);
  if (!Number.isInteger(length) || length < 0 || length > 0xffff_ffff) {
    throw new RangeError(
      `Cannot encode frame as payload length must be below 4 GiB: received ${length}`,
    );
  }
  target[offset] = length & 0xff;
  target[offset + 1] = (length >>> 8) & 0xff;
  target[offset + 2] = (length >>> 16) & 0xff;
  target[offset + 3] = length >>> 24;
  target[offset + 4] = WIRE_VERSION;
  target[offset + 5] = tag;
  target[offset + 6] = 0;
  target[offset + 7] = 0;
}

/** Returns the 8-byte header of a frame with a `length`-byte payload. */
export function encodeHeader(tag: number, length: number): Uint8Array {
  const header = new Uint8Array(HEADER_SIZE);
  writeHeader(header, 0, tag, length);
  return header;
}

/** Returns one buffer holding the header and a copy of `payload`. */
export function encodeFrame(tag: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(HEADER_SIZE + payload.byteLength);
  writeHeader(frame, 0, tag, payload.byteLength);
  frame.set(payload, HEADER_SIZE);
  return frame;
}

/**
 * Parses a header at `offset` of `source` (which must hold 8 bytes there) and
 * returns the tag and payload length, or throws on a malformed header.
 */
export function parseHeader(
  source: Uint8Array,
  offset: number,
  maxFrameSize: number = DEFAULT_MAX_FRAME_SIZE,
): { tag: number; length: number } {
  const length = (source[offset]! | (source[offset + 1]! << 8) |
    (source[offset + 2]! << 16) | (source[offset + 3]! << 24)) >>> 0;
  const version = source[offset + 4]!;
  const tag = source[offset + 5]!;
  const flags = source[offset + 6]! | (source[offset + 7]! << 8);
  if (version !== WIRE_VERSION) {
    throw new TypeError(
      `Cannot decode frame as its version is not supported: received ${version}, expected ${WIRE_VERSION}`,
    );
  }
  if (tag < 1 || tag > MAX_TAG) {
    throw new TypeError(
      `Cannot decode frame as its tag is unknown: received ${tag}`,
    );
  }
  if (flags !== 0) {
    throw new TypeError(
      `Cannot decode frame as its reserved flags are set: received ${flags}`,
    );
  }
  if (length > maxFrameSize) {
    throw new RangeError(
      `Cannot decode frame as its payload exceeds the ${maxFrameSize}-byte limit: received ${length}`,
    );
  }
  return { tag, length };
}

/**
 * An incremental frame parser: `push()` the bytes as they arrive, then take
 * whole frames with `next()`.
 *
 * A malformed frame makes `next()` throw, and every later call throws the
 * same error: the stream cannot be resynchronised, so its owner closes it.
 */
export class FrameDecoder {
  #max: number;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #header = new Uint8Array(HEADER_SIZE);
  #tag = 0;
  #payload: Uint8Array | undefined;
  #filled = 0;
  #error: Error | undefined;

  /** Creates a decoder; see `FrameDecoderOptions`. */
  constructor(options: FrameDecoderOptions = {}) {
    const max = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    if (!Number.isInteger(max) || max < 0 || max > 0xffff_ffff) {
      throw new RangeError(
        `Cannot create FrameDecoder as maxFrameSize must be an integer from 0 to 2^32-1: received ${max}`,
      );
    }
    this.#max = max;
  }

  /** Bytes received and not yet returned as part of a frame. */
  get buffered(): number {
    return this.#buffered + this.#filled;
  }

  /** Appends received bytes. The decoder keeps a reference to `chunk`. */
  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.byteLength;
  }

  /** Returns the next whole frame, or `undefined` until more bytes arrive. */
  next(): Frame | undefined {
    if (this.#error !== undefined) throw this.#error;
    try {
      return this.#next();
    } catch (error) {
      this.#error = error as Error;
      this.#chunks = [];
      this.#buffered = 0;
      throw error;
    }
  }

  /**
   * Declares the end of the stream; throws a `TypeError` when it ended
   * inside a frame.
   */
  end(): void {
    if (this.#error !== undefined) throw this.#error;
    if (this.buffered !== 0) {
      this.#error = new TypeError(
        `Cannot decode frame as the stream ended inside one: ${this.buffered} bytes left over`,
      );
      throw this.#error;
    }
  }

  #next(): Frame | undefined {
    if (this.#payload === undefined) {
      if (this.#buffered < HEADER_SIZE) return undefined;
      this.#take(this.#header, HEADER_SIZE);
      const { tag, length } = parseHeader(this.#header, 0, this.#max);
      this.#tag = tag;
      this.#payload = new Uint8Array(length);
      this.#filled = 0;
    }
    const payload = this.#payload;
    const want = payload.byteLength - this.#filled;
    const n = Math.min(want, this.#buffered);
    if (n > 0) {
      this.#take(payload.subarray(this.#filled, this.#filled + n), n);
      this.#filled += n;
    }
    if (this.#filled < payload.byteLength) return undefined;
    this.#payload = undefined;
    this.#filled = 0;
    return { tag: this.#tag, payload };
  }

  /** Moves `n` buffered bytes into `target`. */
  #take(target: Uint8Array, n: number): void {
    let done = 0;
    while (done < n) {
      const chunk = this.#chunks[0]!;
      const k = Math.min(chunk.byteLength, n - done);
      target.set(k === chunk.byteLength ? chunk : chunk.subarray(0, k), done);
      done += k;
      if (k === chunk.byteLength) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(k);
    }
    this.#buffered -= n;
  }
}

/**
 * Reads frames from a byte stream until it ends. Throws the decoder's error
 * on a malformed frame, or a `TypeError` when the stream ends inside one.
 */
export async function* readFrames(
  source: AsyncIterable<Uint8Array>,
  options: FrameDecoderOptions = {},
): AsyncGenerator<Frame, void, undefined> {
  const decoder = new FrameDecoder(options);
  for await (const chunk of source) {
    decoder.push(chunk);
    for (let frame = decoder.next(); frame; frame = decoder.next()) {
      yield frame;
    }
  }
  decoder.end();
}
