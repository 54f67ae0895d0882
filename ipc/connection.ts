/**
 * `Connection`: one end of a message channel (a pipe, or a socket).
 *
 * @module
 */
import { describe, revive } from "../sync/_shareable.ts";
import {
  asBytes,
  blocking,
  type ConnectionIO,
  fitted,
  intoTarget,
  ioOf,
  type Received,
  type Receiving,
} from "./_connection_io.ts";
import { RingClosedError } from "./_ring.ts";
import { RingTransport } from "./_ring_transport.ts";
import { checkTimeout } from "./_ring_wait.ts";
import { untilClosed } from "./_until_closed.ts";
import type { Transport } from "./_transport.ts";
import { FrameTag } from "./_wire.ts";
import { ConnectionClosedError } from "./connection_closed_error.ts";
import type {
  ConnectionSyncOptions,
  ConnectionWaitOptions,
  PollOptions,
} from "./connection_options.ts";

export { ConnectionClosedError } from "./connection_closed_error.ts";

/** The default options, shared so that a call allocates none. */
const NO_OPTIONS: ConnectionWaitOptions = Object.freeze({});
/** What `send()` returns when the message went in at once. */
const SENT: Promise<void> = Promise.resolve();

export type {
  Frame,
  Transport,
  TransportSyncOptions,
  TransportWaitOptions,
} from "./_transport.ts";

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
 * task or `Process` argument, or put it on a `Queue` or another pipe).
 * Both ends must not be used by several threads at once for the same
 * direction if order matters between them; messages themselves never
 * interleave.
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
  /** How messages move over it: in place for a pipe end, else as frames. */
  #io: ConnectionIO;

  /**
   * Wraps a transport. Users get connections from `pipe()`, `listen()` and
   * `connect()`; this is for transports of their own.
   *
   * @param transport The channel under this end.
   */
  constructor(transport: Transport) {
    this.#transport = transport;
    this.#io = ioOf(transport);
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
   * A pipe end carries what `Queue.put()` carries, shared objects included
   * (`Lock`, `Event`, `SharedValue`, `SharedArray`, `Queue`, another pipe
   * end, `SharedArrayBuffer` …, with the same limits: see there): the
   * receiver gets them over the same memory. A socket end (`listen()` /
   * `connect()`) leaves the process, so a shared object sent on it is a
   * `TypeError` that suggests a Manager proxy.
   *
   * @param value The value; encoded at once.
   * @param options `signal` and `timeout` bound the wait for buffer space.
   * @returns Once the message is in the channel.
   * @throws {TypeError} when `value` cannot be encoded, or this end only
   * receives.
   * @throws {ConnectionClosedError} when either end is closed.
   *
   * @example A SharedValue sent to a worker, which adds to it
   * ```ts
   * import { pipe } from "@mp/multiprocessing/ipc";
   * import { Process } from "@mp/multiprocessing/pool";
   * import { SharedValue } from "@mp/multiprocessing/shared";
   * import assert from "node:assert/strict";
   *
   * const [here, there] = pipe();
   * const child = new Process({
   *   target: "addToReceived", // recv() a SharedValue, add 1 n times, send "added"
   *   args: [there, 1000],
   *   module: new URL("../tests/fixtures/ipc_sab_hub_tasks.ts", import.meta.url),
   * });
   * await child.start();
   * const value = new SharedValue("i", 0);
   * await here.send(value);
   * assert.equal(await here.recv(), "added");
   * assert.equal(value.value, 1000);
   * assert.equal(await child.join(), 0);
   * here.close();
   * there.close();
   * ```
   */
  send(value: T, options: ConnectionWaitOptions = NO_OPTIONS): Promise<void> {
    // Not async: a message that goes in at once costs no promise of its own.
    let sending;
    try {
      this.#check("send() on", true, options.timeout);
      options.signal?.throwIfAborted();
      sending = this.#io.sendValue(value, options);
    } catch (error) {
      return Promise.reject(this.#mapClosed(error, "send() on"));
    }
    if (sending === undefined) return SENT;
    return sending.catch((error) => {
      throw this.#mapClosed(error, "send() on");
    });
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
      this.#io.sendValueSync(value, options);
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
    const send = blocking("sendBytesSync", this.#transport.sendSync);
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
  recv(options: ConnectionWaitOptions = NO_OPTIONS): Promise<T> {
    // Not async: a message already there costs one resolved promise.
    return this.#receive(
      "recv() from",
      options,
      this.#io.recvValue,
    ) as Promise<T>;
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
    let received;
    try {
      received = this.#io.recvValueSync(options);
    } catch (error) {
      throw this.#mapClosed(error, "recvSync() from");
    }
    if (received === null) throw this.#end("recvSync() from");
    return received.value as T;
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
  recvBytes(
    options: ConnectionWaitOptions = NO_OPTIONS,
  ): Promise<Uint8Array> {
    return this.#receive(
      "recvBytes() from",
      options,
      this.#io.recvBytes,
    ) as Promise<Uint8Array>;
  }

  /** `recv()` and `recvBytes()`: `how` is the io method that receives. */
  #receive(
    action: string,
    options: ConnectionWaitOptions,
    how: (options: ConnectionWaitOptions) => Receiving,
  ): Promise<unknown> {
    let received;
    try {
      this.#check(action, false, options.timeout);
      options.signal?.throwIfAborted();
      received = how.call(this.#io, options);
    } catch (error) {
      return Promise.reject(this.#mapClosed(error, action));
    }
    if (received instanceof Promise) {
      return received.then(
        (later) => this.#valueOf(later, action),
        (error) => {
          throw this.#mapClosed(error, action);
        },
      );
    }
    if (received === null) return Promise.reject(this.#end(action));
    return Promise.resolve(received.value);
  }

  #valueOf(received: Received | null, action: string): unknown {
    if (received === null) throw this.#end(action);
    return received.value;
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
      const received = this.#io.recvBytesSync(options);
      if (received === null) throw this.#end("recvBytesSync() from");
      return received.value as Uint8Array;
    } catch (error) {
      throw this.#mapClosed(error, "recvBytesSync() from");
    }
  }

  /**
   * Receives the next message's bytes into `buffer` at `offset` (Python's
   * `recv_bytes_into`), with no allocation: a consumer that reuses one
   * buffer moves bytes at close to shared-memory speed.
   *
   * @param buffer Where to copy the bytes (any view or buffer).
   * @param offset The byte offset in `buffer` (default `0`).
   * @param options `signal` and `timeout` bound the wait.
   * @returns The number of bytes copied.
   * @throws {RangeError} when `offset` is out of range, or the message does
   * not fit (like Python's `BufferTooShort`, the message is then taken: it
   * is the error's `cause`, a `Uint8Array`).
   * @throws {ConnectionClosedError} once the other end closed and all its
   * messages were received, or when this end is closed.
   *
   * @example
   * ```ts
   * import { pipe } from "@mp/multiprocessing/ipc";
   * import assert from "node:assert/strict";
   *
   * const [a, b] = pipe();
   * const buffer = new Uint8Array(8);
   * await b.sendBytes(new Uint8Array([1, 2, 3]));
   * assert.equal(await a.recvBytesInto(buffer, 2), 3);
   * assert.deepEqual(buffer, new Uint8Array([0, 0, 1, 2, 3, 0, 0, 0]));
   * a.close();
   * b.close();
   * ```
   */
  recvBytesInto(
    buffer: ArrayBufferView | ArrayBuffer,
    offset = 0,
    options: ConnectionWaitOptions = NO_OPTIONS,
  ): Promise<number> {
    const action = "recvBytesInto() from";
    let target: Uint8Array;
    try {
      target = intoTarget(buffer, offset, action);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#receive(
      action,
      options,
      (options) => this.#io.recvBytesInto(target, options),
    ).then((value) => fitted(value, target, action));
  }

  /**
   * Blocking twin of `recvBytesInto()`.
   *
   * @param buffer Where to copy the bytes (any view or buffer).
   * @param offset The byte offset in `buffer` (default `0`).
   * @param options `timeout` bounds the wait.
   * @returns The number of bytes copied.
   * @throws {RangeError} when `offset` is out of range, or the message does
   * not fit (the message is the error's `cause`).
   * @throws {ConnectionClosedError} once the other end closed and all its
   * messages were received, or when this end is closed.
   * @throws {TypeError} when the transport cannot block (a socket).
   */
  recvBytesIntoSync(
    buffer: ArrayBufferView | ArrayBuffer,
    offset = 0,
    options: ConnectionSyncOptions = {},
  ): number {
    const action = "recvBytesIntoSync() from";
    const target = intoTarget(buffer, offset, action);
    this.#check(action, false, options.timeout);
    let received;
    try {
      received = this.#io.recvBytesIntoSync(target, options);
    } catch (error) {
      throw this.#mapClosed(error, action);
    }
    if (received === null) throw this.#end(action);
    return fitted(received.value, target, action);
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
    const poll = blocking("pollSync", this.#transport.pollSync);
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
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return untilClosed(() => this.recv(), ConnectionClosedError);
  }

  #end(action: string): ConnectionClosedError {
    return new ConnectionClosedError(
      `Cannot ${action} Connection as the other end closed`,
    );
  }
}
