/**
 * `Connection`: one end of a message channel (a pipe, or a socket), and
 * `ConnectionClosedError`.
 *
 * @module
 */
import { describe, revive } from "../sync/_shareable.ts";
import {
  copyRange,
  decode,
  decodeRange,
  encode,
  encodeScratch,
} from "./_codec.ts";
import { RingClosedError } from "./_ring.ts";
import { RingTransport } from "./_ring_transport.ts";
import { checkTimeout } from "./_ring_wait.ts";
import type { Transport } from "./_transport.ts";
import { FrameTag } from "./_wire.ts";

export type {
  Frame,
  Transport,
  TransportSyncOptions,
  TransportWaitOptions,
} from "./_transport.ts";

/**
 * Thrown by `recv()` once the other end has closed and every message it
 * sent has been received (Python's `EOFError`), and by any call on a
 * closed end or after the other end closed.
 *
 * @example
 * ```ts
 * import { ConnectionClosedError, pipe } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = pipe<string>();
 * await b.send("last words");
 * b.close();
 * assert.equal(await a.recv(), "last words");
 * await assert.rejects(a.recv(), ConnectionClosedError);
 * a.close();
 * ```
 */
export class ConnectionClosedError extends Error {
  /**
   * Creates the error.
   *
   * @param message What was refused.
   * @param options The error's `cause`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConnectionClosedError";
  }
}

/** Options of the waiting calls of `Connection`. */
export interface ConnectionWaitOptions {
  /** Stop waiting when aborted; rejects with `signal.reason`. */
  signal?: AbortSignal;
  /**
   * Stop waiting after this many milliseconds; rejects with a
   * `DOMException` named `"TimeoutError"`. Default: wait forever.
   */
  timeout?: number;
}

/** Options of the blocking calls of `Connection`. */
export interface ConnectionSyncOptions {
  /**
   * Stop waiting after this many milliseconds; throws a `DOMException`
   * named `"TimeoutError"`. Default: wait forever.
   */
  timeout?: number;
}

/** Options of `Connection.poll()`. */
export interface PollOptions {
  /** Stop waiting when aborted; rejects with `signal.reason`. */
  signal?: AbortSignal;
  /**
   * How long to wait for a message, in milliseconds: `0` (the default, as
   * in Python) does not wait, `Infinity` waits until one arrives.
   */
  timeout?: number;
}

/** The description a `Connection` crosses into a Worker as. */
export interface ConnectionData {
  /** The memory of the ring this end reads, if it reads. */
  input: SharedArrayBuffer | null;
  /** The memory of the ring this end writes, if it writes. */
  output: SharedArrayBuffer | null;
}

/**
 * One end of a message channel (Python's `multiprocessing.connection.
 * Connection`), from `pipe()` or from `listen()` / `connect()`. Values are
 * encoded with the package's codec (the types `Queue` carries); bytes sent
 * with `sendBytes()` arrive as they are.
 *
 * A pipe end crosses into a Worker like any shared object (pass it as a
 * task or `Process` argument). Both ends must not be used by several
 * threads at once for the same direction if order matters between them;
 * messages themselves never interleave.
 *
 * @typeParam T The values sent.
 *
 * @example
 * ```ts
 * import { pipe } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * const [parent, child] = pipe<{ n: number } | string>();
 * await child.send({ n: 42 });
 * assert.deepEqual(await parent.recv(), { n: 42 });
 * assert.equal(await parent.poll(), false);
 * parent.close();
 * child.close();
 * ```
 */
export class Connection<T = unknown>
  implements AsyncIterable<T>, AsyncDisposable, Disposable {
  #transport: Transport;
  /** The same transport when it is a pipe end: fast paths, no copies. */
  #ring: RingTransport | undefined;

  /**
   * Wraps a transport. Users get connections from `pipe()`, `listen()` and
   * `connect()`; this is for transports of their own.
   *
   * @param transport The channel under this end.
   */
  constructor(transport: Transport) {
    this.#transport = transport;
    if (transport instanceof RingTransport) this.#ring = transport;
  }

  /**
   * Rebuilds a pipe end from its description (the shareable protocol).
   *
   * @param data What `[describe]()` returned.
   * @returns A connection over the same pipe.
   * @throws {TypeError} when `data` does not describe a pipe end.
   */
  static [revive]<T = unknown>(data: ConnectionData): Connection<T> {
    return new Connection<T>(RingTransport.revive(data));
  }

  /**
   * Describes this end as clonable data (the shareable protocol).
   *
   * @returns The kind and the shared memory.
   * @throws {TypeError} when the transport cannot cross (a socket).
   */
  [describe](): { kind: "ipc.Connection"; data: ConnectionData } {
    const description = this.#transport.describe?.();
    if (description?.kind !== "ring") {
      throw new TypeError(
        "Cannot send a socket Connection to another thread: open a new connection there with connect()",
      );
    }
    return {
      kind: "ipc.Connection",
      data: description.data as ConnectionData,
    };
  }

  /** Whether this end may receive (false for the sending end of a one-way pipe). */
  get readable(): boolean {
    return this.#transport.readable;
  }

  /** Whether this end may send (false for the receiving end of a one-way pipe). */
  get writable(): boolean {
    return this.#transport.writable;
  }

  /** Whether `close()` was called on this end. */
  get closed(): boolean {
    return this.#transport.closed;
  }

  #check(action: string, sending: boolean, timeout?: unknown): void {
    if (this.#transport.closed) {
      throw new ConnectionClosedError(
        `Cannot ${action} Connection as it is closed`,
      );
    }
    if (sending ? !this.#transport.writable : !this.#transport.readable) {
      throw new TypeError(
        `Cannot ${action} Connection as this end of a one-way pipe only ${
          sending ? "receives" : "sends"
        }`,
      );
    }
    if (timeout !== undefined) checkTimeout(`${action} Connection`, timeout);
  }

  #mapClosed(error: unknown, action: string): unknown {
    if (!(error instanceof RingClosedError)) return error;
    return new ConnectionClosedError(
      `Cannot ${action} Connection as ${
        this.#transport.closed ? "it is closed" : "the other end closed"
      }`,
      { cause: error },
    );
  }

  /**
   * Sends a value to the other end.
   *
   * @param value The value; encoded at once.
   * @param options `signal` and `timeout` bound the wait for buffer space.
   * @returns Once the message is in the channel.
   * @throws {TypeError} when `value` cannot be encoded, or this end only
   * receives.
   * @throws {ConnectionClosedError} when either end is closed.
   */
  async send(value: T, options: ConnectionWaitOptions = {}): Promise<void> {
    this.#check("send() on", true, options.timeout);
    options.signal?.throwIfAborted();
    try {
      if (this.#ring !== undefined) {
        const encoded = encodeScratch(value);
        await this.#ring.sendRange(
          FrameTag.value,
          encoded.buf,
          encoded.length,
          options,
        );
      } else {
        await this.#transport.send(FrameTag.value, encode(value), options);
      }
    } catch (error) {
      throw this.#mapClosed(error, "send() on");
    }
  }

  /**
   * Sends a value, blocking the thread while the channel is full.
   *
   * @param value The value.
   * @param options `timeout` bounds the wait.
   * @throws {TypeError} when `value` cannot be encoded, this end only
   * receives, or the transport cannot block (a socket).
   * @throws {ConnectionClosedError} when either end is closed.
   */
  sendSync(value: T, options: ConnectionSyncOptions = {}): void {
    this.#check("sendSync() on", true, options.timeout);
    try {
      if (this.#ring !== undefined) {
        const encoded = encodeScratch(value);
        this.#ring.sendRangeSync(
          FrameTag.value,
          encoded.buf,
          encoded.length,
          options,
        );
      } else {
        this.#sync("sendSync", this.#transport.sendSync).call(
          this.#transport,
          FrameTag.value,
          encode(value),
          options,
        );
      }
    } catch (error) {
      throw this.#mapClosed(error, "sendSync() on");
    }
  }

  /**
   * Sends raw bytes (Python's `send_bytes`); the other end gets them from
   * `recvBytes()` as a `Uint8Array`.
   *
   * @param bytes The bytes (any view or buffer); copied into the channel.
   * @param options `signal` and `timeout` bound the wait for buffer space.
   * @returns Once the message is in the channel.
   * @throws {TypeError} when this end only receives.
   * @throws {ConnectionClosedError} when either end is closed.
   */
  async sendBytes(
    bytes: ArrayBufferView | ArrayBuffer,
    options: ConnectionWaitOptions = {},
  ): Promise<void> {
    this.#check("sendBytes() on", true, options.timeout);
    options.signal?.throwIfAborted();
    try {
      await this.#transport.send(FrameTag.bytes, asBytes(bytes), options);
    } catch (error) {
      throw this.#mapClosed(error, "sendBytes() on");
    }
  }

  /**
   * Blocking twin of `sendBytes()`.
   *
   * @param bytes The bytes (any view or buffer); copied into the channel.
   * @param options `timeout` bounds the wait for buffer space.
   * @throws {TypeError} when this end only receives, or the transport
   * cannot block (a socket).
   * @throws {ConnectionClosedError} when either end is closed.
   */
  sendBytesSync(
    bytes: ArrayBufferView | ArrayBuffer,
    options: ConnectionSyncOptions = {},
  ): void {
    this.#check("sendBytesSync() on", true, options.timeout);
    const send = this.#sync("sendBytesSync", this.#transport.sendSync);
    try {
      send.call(this.#transport, FrameTag.bytes, asBytes(bytes), options);
    } catch (error) {
      throw this.#mapClosed(error, "sendBytesSync() on");
    }
  }

  /**
   * Receives the next value, waiting until one arrives.
   *
   * @param options `signal` and `timeout` bound the wait.
   * @returns The value (a message sent with `sendBytes()` comes as its
   * `Uint8Array`).
   * @throws {ConnectionClosedError} once the other end closed and all its
   * messages were received, or when this end is closed.
   * @throws {TypeError} when this end only sends.
   */
  async recv(options: ConnectionWaitOptions = {}): Promise<T> {
    this.#check("recv() from", false, options.timeout);
    options.signal?.throwIfAborted();
    if (this.#ring !== undefined) {
      let op;
      try {
        op = await this.#ring.read(decodeFrame, options);
      } catch (error) {
        throw this.#mapClosed(error, "recv() from");
      }
      if (op === null) throw this.#end("recv() from");
      return op.value as T;
    }
    let frame;
    try {
      frame = await this.#transport.recv(options);
    } catch (error) {
      throw this.#mapClosed(error, "recv() from");
    }
    return this.#value(frame, "recv() from");
  }

  /**
   * Receives the next value, blocking the thread until one arrives.
   *
   * @param options `timeout` bounds the wait.
   * @returns The value.
   * @throws {ConnectionClosedError} once the other end closed and all its
   * messages were received, or when this end is closed.
   * @throws {TypeError} when this end only sends, or the transport cannot
   * block (a socket).
   */
  recvSync(options: ConnectionSyncOptions = {}): T {
    this.#check("recvSync() from", false, options.timeout);
    if (this.#ring !== undefined) {
      let op;
      try {
        op = this.#ring.readSync(decodeFrame, options);
      } catch (error) {
        throw this.#mapClosed(error, "recvSync() from");
      }
      if (op === null) throw this.#end("recvSync() from");
      return op.value as T;
    }
    const recv = this.#sync("recvSync", this.#transport.recvSync);
    let frame;
    try {
      frame = recv.call(this.#transport, options);
    } catch (error) {
      throw this.#mapClosed(error, "recvSync() from");
    }
    return this.#value(frame, "recvSync() from");
  }

  /**
   * Receives the next message as bytes (Python's `recv_bytes`): what
   * `sendBytes()` sent, or the encoded form of what `send()` sent.
   *
   * @param options `signal` and `timeout` bound the wait.
   * @returns The bytes.
   * @throws {ConnectionClosedError} once the other end closed and all its
   * messages were received, or when this end is closed.
   */
  async recvBytes(options: ConnectionWaitOptions = {}): Promise<Uint8Array> {
    this.#check("recvBytes() from", false, options.timeout);
    options.signal?.throwIfAborted();
    try {
      if (this.#ring !== undefined) {
        const op = await this.#ring.read(copyBytes, options);
        if (op === null) throw this.#end("recvBytes() from");
        return op.value as Uint8Array;
      }
      const frame = await this.#transport.recv(options);
      if (frame === null) throw this.#end("recvBytes() from");
      return frame.payload;
    } catch (error) {
      throw this.#mapClosed(error, "recvBytes() from");
    }
  }

  /**
   * Blocking twin of `recvBytes()`.
   *
   * @param options `timeout` bounds the wait.
   * @returns The bytes.
   * @throws {ConnectionClosedError} once the other end closed and all its
   * messages were received, or when this end is closed.
   * @throws {TypeError} when the transport cannot block (a socket).
   */
  recvBytesSync(options: ConnectionSyncOptions = {}): Uint8Array {
    this.#check("recvBytesSync() from", false, options.timeout);
    try {
      if (this.#ring !== undefined) {
        const op = this.#ring.readSync(copyBytes, options);
        if (op === null) throw this.#end("recvBytesSync() from");
        return op.value as Uint8Array;
      }
      const recv = this.#sync("recvBytesSync", this.#transport.recvSync);
      const frame = recv.call(this.#transport, options);
      if (frame === null) throw this.#end("recvBytesSync() from");
      return frame.payload;
    } catch (error) {
      throw this.#mapClosed(error, "recvBytesSync() from");
    }
  }

  /**
   * Whether a message is ready to be received (or the other end closed,
   * so that `recv()` would not wait).
   *
   * @param options `timeout`: how long to wait for one (default `0`: do not
   * wait; `Infinity`: until one arrives); `signal` stops the wait.
   * @returns True when `recv()` would not wait.
   * @throws {ConnectionClosedError} when this end is closed.
   */
  async poll(options: PollOptions = {}): Promise<boolean> {
    const { timeout = 0, signal } = options;
    this.#check("poll()", false, timeout);
    signal?.throwIfAborted();
    return await this.#transport.poll({
      timeout: timeout === Infinity ? undefined : timeout,
      ...(signal === undefined ? {} : { signal }),
    } as ConnectionWaitOptions);
  }

  /**
   * Blocking twin of `poll()`.
   *
   * @param options `timeout` as for `poll()` (default `0`).
   * @returns True when `recv()` would not wait.
   * @throws {ConnectionClosedError} when this end is closed.
   */
  pollSync(options: ConnectionSyncOptions = {}): boolean {
    const { timeout = 0 } = options;
    this.#check("pollSync()", false, timeout);
    const poll = this.#sync("pollSync", this.#transport.pollSync);
    return poll.call(
      this.#transport,
      timeout === Infinity ? {} : { timeout },
    );
  }

  /**
   * Closes this end: the other end receives what was sent, then
   * `ConnectionClosedError`. Idempotent.
   */
  close(): void {
    this.#transport.close();
  }

  /** Closes this end (`using`). */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Closes this end (`await using`).
   *
   * @returns Once closed.
   */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  /**
   * Receives values until the other end closes.
   *
   * @returns An async iterator of values.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      let value: T;
      try {
        value = await this.recv();
      } catch (error) {
        if (error instanceof ConnectionClosedError) return;
        throw error;
      }
      yield value;
    }
  }

  #sync<F>(name: string, method: F | undefined): F {
    if (method === undefined) {
      throw new TypeError(
        `Cannot ${name}() on this Connection as its transport cannot block: use the async form`,
      );
    }
    return method;
  }

  #end(action: string): ConnectionClosedError {
    return new ConnectionClosedError(
      `Cannot ${action} Connection as the other end closed`,
    );
  }

  #value(
    frame: { tag: number; payload: Uint8Array } | null,
    action: string,
  ): T {
    if (frame === null) throw this.#end(action);
    if (frame.tag === FrameTag.bytes) return frame.payload as T;
    return decode(frame.payload) as T;
  }
}

/** Copies a frame's bytes out, whatever was sent. */
function copyBytes(buf: Uint8Array, start: number, end: number): Uint8Array {
  return copyRange(buf, start, end);
}

/** Decodes a frame read in place: a value, or the bytes of `sendBytes()`. */
function decodeFrame(
  buf: Uint8Array,
  start: number,
  end: number,
  tag: number,
): unknown {
  return tag === FrameTag.bytes
    ? copyRange(buf, start, end)
    : decodeRange(buf, start, end);
}

function asBytes(bytes: ArrayBufferView | ArrayBuffer): Uint8Array {
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
