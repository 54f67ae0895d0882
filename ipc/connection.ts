/**
 * `Connection`: one end of a message channel (a pipe, or a socket).
 *
 * @module
 */
import { describe, revive } from "../sync/_shareable.ts";
import { ConnectionEngine } from "./_connection_engine.ts";
import { RingTransport } from "./_ring_transport.ts";
import { untilClosed } from "./_until_closed.ts";
import type { Transport } from "./_transport.ts";
import { ConnectionClosedError } from "./connection_closed_error.ts";
import type {
  ConnectionSyncOptions,
  ConnectionWaitOptions,
  PollOptions,
} from "./connection_options.ts";

export { ConnectionClosedError } from "./connection_closed_error.ts";

/** The default options, shared so that a call allocates none. */
const NO_OPTIONS: ConnectionWaitOptions = Object.freeze({});

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
  /** The guarded calls over it (the checks, and the closed-end errors). */
  #engine: ConnectionEngine;

  /**
   * Wraps a transport. Users get connections from `pipe()`, `listen()` and
   * `connect()`; this is for transports of their own.
   *
   * @param transport The channel under this end.
   */
  constructor(transport: Transport) {
    this.#transport = transport;
    this.#engine = new ConnectionEngine(transport);
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
    return this.#engine.send(value, options);
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
    this.#engine.sendSync(value, options);
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
  sendBytes(
    bytes: ArrayBufferView | ArrayBuffer,
    options: ConnectionWaitOptions = {},
  ): Promise<void> {
    return this.#engine.sendBytes(bytes, options);
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
    this.#engine.sendBytesSync(bytes, options);
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
    return this.#engine.recv(options) as Promise<T>;
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
    return this.#engine.recvSync(options) as T;
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
    return this.#engine.recvBytes(options);
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
    return this.#engine.recvBytesSync(options);
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
    return this.#engine.recvBytesInto(buffer, offset, options);
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
    return this.#engine.recvBytesIntoSync(buffer, offset, options);
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
  poll(options: PollOptions = {}): Promise<boolean> {
    return this.#engine.poll(options);
  }

  /**
   * Blocking twin of `poll()`.
   *
   * @param options `timeout` as for `poll()` (default `0`).
   * @returns True when `recv()` would not wait.
   * @throws {ConnectionClosedError} when this end is closed.
   */
  pollSync(options: ConnectionSyncOptions = {}): boolean {
    return this.#engine.pollSync(options);
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
}
