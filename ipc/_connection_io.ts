/**
 * How a `Connection` moves its messages, one of two ways. A pipe end
 * (`RingTransport`, `RingIO`) encodes a value into the codec's scratch
 * buffer and copies it straight into its ring, and decodes a received
 * message where it lies in the ring: no frame is built. Any other
 * transport (`FrameIO`) sends and receives whole frames: a value is
 * encoded into a fresh payload, a received payload is decoded. Either way
 * a frame tagged `FrameTag.bytes` carries raw bytes, handed over as they
 * are.
 *
 * @module
 */
import {
  copyRange,
  decode,
  decodeShared,
  encode,
  encodeScratch,
} from "./_codec.ts";
import { RingTransport } from "./_ring_transport.ts";
import type {
  Transport,
  TransportSyncOptions,
  TransportWaitOptions,
} from "./_transport.ts";
import { FrameTag } from "./_wire.ts";

/** A received message: a decoded value, or bytes. */
export interface Received {
  /** The value, or the `Uint8Array` of bytes. */
  readonly value: unknown;
}

/**
 * What a receive gives: a message or `null` at the end of stream, at once
 * when one was ready (no promise), else later.
 */
export type Receiving = Received | null | Promise<Received | null>;

/** The transfers a `Connection` makes differently per transport. */
export interface ConnectionIO {
  /** Sends a value; `undefined` when it went at once. */
  sendValue(
    value: unknown,
    options: TransportWaitOptions,
  ): Promise<void> | undefined;
  /** Sends a value, blocking the thread. */
  sendValueSync(value: unknown, options: TransportSyncOptions): void;
  /** The next message as a value, or `null` at the end of stream. */
  recvValue(options: TransportWaitOptions): Receiving;
  /** Blocking twin of `recvValue()`. */
  recvValueSync(options: TransportSyncOptions): Received | null;
  /** The next message as bytes, or `null` at the end of stream. */
  recvBytes(options: TransportWaitOptions): Receiving;
  /** Blocking twin of `recvBytes()`. */
  recvBytesSync(options: TransportSyncOptions): Received | null;
  /**
   * The next message's bytes copied into `target`: its length, or the
   * bytes themselves (a fresh copy) when they do not fit.
   */
  recvBytesInto(target: Uint8Array, options: TransportWaitOptions): Receiving;
  /** Blocking twin of `recvBytesInto()`. */
  recvBytesIntoSync(
    target: Uint8Array,
    options: TransportSyncOptions,
  ): Received | null;
}

/** The way to move messages over `transport`. */
export function ioOf(transport: Transport): ConnectionIO {
  return transport instanceof RingTransport
    ? new RingIO(transport)
    : new FrameIO(transport);
}

/**
 * `method`, the blocking twin of a transport call, or the `TypeError` of a
 * transport that cannot block (a socket). `name` is the Connection call.
 */
export function blocking<F>(name: string, method: F | undefined): F {
  if (method === undefined) {
    throw new TypeError(
      `Cannot ${name}() on this Connection as its transport cannot block: use the async form`,
    );
  }
  return method;
}

/** Bytes sent with `sendBytes()`: any view or buffer, as a `Uint8Array`. */
export function asBytes(bytes: ArrayBufferView | ArrayBuffer): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (ArrayBuffer.isView(bytes)) {
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  const raw: unknown = bytes;
  if (raw instanceof ArrayBuffer || raw instanceof SharedArrayBuffer) {
    return new Uint8Array(raw);
  }
  throw new TypeError(
    `Cannot sendBytes() on Connection as bytes must be an ArrayBuffer or a view: received ${typeof bytes}`,
  );
}

/** `buffer` from `offset` on, as bytes; `action` names the call. */
export function intoTarget(
  buffer: ArrayBufferView | ArrayBuffer,
  offset: number,
  action: string,
): Uint8Array {
  const raw: unknown = buffer;
  if (
    !ArrayBuffer.isView(raw) && !(raw instanceof ArrayBuffer) &&
    !(raw instanceof SharedArrayBuffer)
  ) {
    throw new TypeError(
      `Cannot ${action} Connection as buffer must be an ArrayBuffer or a view: received ${typeof raw}`,
    );
  }
  const bytes = asBytes(buffer);
  if (!Number.isInteger(offset) || offset < 0 || offset > bytes.length) {
    throw new RangeError(
      `Cannot ${action} Connection as offset must be an integer from 0 to ${bytes.length}: received ${offset}`,
    );
  }
  return offset === 0 ? bytes : bytes.subarray(offset);
}

/** The byte count a receive into `target` gave, or its too-short error. */
export function fitted(
  value: unknown,
  target: Uint8Array,
  action: string,
): number {
  if (typeof value === "number") return value;
  const bytes = value as Uint8Array;
  throw new RangeError(
    `Cannot ${action} Connection as the message does not fit: received ${bytes.length} bytes for ${target.length}`,
    { cause: bytes },
  );
}

/** Copies a message's bytes out, whatever was sent. */
function copyBytes(buf: Uint8Array, start: number, end: number): Uint8Array {
  return copyRange(buf, start, end);
}

/**
 * A decoder that copies a message into `target` where it lies in the
 * ring: its length, or a fresh copy when it does not fit.
 */
function into(target: Uint8Array) {
  return (buf: Uint8Array, start: number, end: number): number | Uint8Array => {
    if (end - start > target.length) return copyRange(buf, start, end);
    target.set(buf.subarray(start, end));
    return end - start;
  };
}

/** `bytes` copied into `target`, as `into()` does. */
function fit(bytes: Uint8Array, target: Uint8Array): number | Uint8Array {
  if (bytes.length > target.length) return bytes;
  target.set(bytes);
  return bytes.length;
}

/** Decodes a message read in place: a value, or the bytes of `sendBytes()`. */
function decodeFrame(
  buf: Uint8Array,
  start: number,
  end: number,
  tag: number,
): unknown {
  return tag === FrameTag.bytes
    ? copyRange(buf, start, end)
    : decodeShared(buf, start, end);
}

/** A pipe end: in place, through the ring. */
class RingIO implements ConnectionIO {
  readonly #ring: RingTransport;

  constructor(ring: RingTransport) {
    this.#ring = ring;
  }

  sendValue(
    value: unknown,
    options: TransportWaitOptions,
  ): Promise<void> | undefined {
    const encoded = encodeScratch(value, "value", true);
    return this.#ring.sendRange(
      FrameTag.value,
      encoded.buf,
      encoded.length,
      options,
    );
  }

  sendValueSync(value: unknown, options: TransportSyncOptions): void {
    const encoded = encodeScratch(value, "value", true);
    this.#ring.sendRangeSync(
      FrameTag.value,
      encoded.buf,
      encoded.length,
      options,
    );
  }

  recvValue(options: TransportWaitOptions): Receiving {
    return this.#ring.read(decodeFrame, options);
  }

  recvValueSync(options: TransportSyncOptions): Received | null {
    return this.#ring.readSync(decodeFrame, options);
  }

  recvBytes(options: TransportWaitOptions): Receiving {
    return this.#ring.read(copyBytes, options);
  }

  recvBytesSync(options: TransportSyncOptions): Received | null {
    return this.#ring.readSync(copyBytes, options);
  }

  recvBytesInto(target: Uint8Array, options: TransportWaitOptions): Receiving {
    return this.#ring.read(into(target), options);
  }

  recvBytesIntoSync(
    target: Uint8Array,
    options: TransportSyncOptions,
  ): Received | null {
    return this.#ring.readSync(into(target), options);
  }
}

/** Any other transport: whole frames. */
class FrameIO implements ConnectionIO {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  sendValue(value: unknown, options: TransportWaitOptions): Promise<void> {
    return this.#transport.send(FrameTag.value, encode(value), options);
  }

  sendValueSync(value: unknown, options: TransportSyncOptions): void {
    const transport = this.#transport;
    blocking("sendSync", transport.sendSync).call(
      transport,
      FrameTag.value,
      encode(value),
      options,
    );
  }

  async recvValue(options: TransportWaitOptions): Promise<Received | null> {
    return valueOf(await this.#transport.recv(options));
  }

  recvValueSync(options: TransportSyncOptions): Received | null {
    return valueOf(this.#recvSync("recvSync", options));
  }

  async recvBytes(options: TransportWaitOptions): Promise<Received | null> {
    return bytesOf(await this.#transport.recv(options));
  }

  recvBytesSync(options: TransportSyncOptions): Received | null {
    return bytesOf(this.#recvSync("recvBytesSync", options));
  }

  async recvBytesInto(
    target: Uint8Array,
    options: TransportWaitOptions,
  ): Promise<Received | null> {
    const frame = await this.#transport.recv(options);
    return frame === null ? null : { value: fit(frame.payload, target) };
  }

  recvBytesIntoSync(
    target: Uint8Array,
    options: TransportSyncOptions,
  ): Received | null {
    const frame = this.#recvSync("recvBytesIntoSync", options);
    return frame === null ? null : { value: fit(frame.payload, target) };
  }

  /** The next frame, blocking; `name` is the Connection call. */
  #recvSync(name: string, options: TransportSyncOptions): Frame {
    const transport = this.#transport;
    return blocking(name, transport.recvSync).call(transport, options);
  }
}

type Frame = { tag: number; payload: Uint8Array } | null;

function valueOf(frame: Frame): Received | null {
  if (frame === null) return null;
  return {
    value: frame.tag === FrameTag.bytes ? frame.payload : decode(frame.payload),
  };
}

function bytesOf(frame: Frame): Received | null {
  return frame === null ? null : { value: frame.payload };
}
