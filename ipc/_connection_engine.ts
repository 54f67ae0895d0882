/**
 * The engine under a public `Connection` (the thin-class-over-a-private-
 * engine shape): every call is guarded the same way. Before it moves a
 * message it checks that the end is open, faces the right way (a one-way
 * pipe end only sends or only receives) and got a valid `timeout`; while
 * it moves one, a `RingClosedError` from the transport becomes a
 * `ConnectionClosedError` that says which end closed; and a receive that
 * meets the end of stream (`null` from the io) becomes one too. The
 * messages themselves move through `ConnectionIO` (`_connection_io.ts`).
 *
 * @module
 */
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
import { checkTimeout } from "./_ring_wait.ts";
import type { Transport } from "./_transport.ts";
import { FrameTag } from "./_wire.ts";
import { ConnectionClosedError } from "./connection_closed_error.ts";
import type {
  ConnectionSyncOptions,
  ConnectionWaitOptions,
  PollOptions,
} from "./connection_options.ts";

/** What `send()` returns when the message went in at once. */
const SENT: Promise<void> = Promise.resolve();

/** The guarded calls of one `Connection` end over its transport. */
export class ConnectionEngine {
  #transport: Transport;
  /** How messages move over it: in place for a pipe end, else as frames. */
  #io: ConnectionIO;

  constructor(transport: Transport) {
    this.#transport = transport;
    this.#io = ioOf(transport);
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

  #end(action: string): ConnectionClosedError {
    return new ConnectionClosedError(
      `Cannot ${action} Connection as the other end closed`,
    );
  }

  send(value: unknown, options: ConnectionWaitOptions): Promise<void> {
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

  sendSync(value: unknown, options: ConnectionSyncOptions): void {
    this.#check("sendSync() on", true, options.timeout);
    try {
      this.#io.sendValueSync(value, options);
    } catch (error) {
      throw this.#mapClosed(error, "sendSync() on");
    }
  }

  async sendBytes(
    bytes: ArrayBufferView | ArrayBuffer,
    options: ConnectionWaitOptions,
  ): Promise<void> {
    this.#check("sendBytes() on", true, options.timeout);
    options.signal?.throwIfAborted();
    try {
      await this.#transport.send(FrameTag.bytes, asBytes(bytes), options);
    } catch (error) {
      throw this.#mapClosed(error, "sendBytes() on");
    }
  }

  sendBytesSync(
    bytes: ArrayBufferView | ArrayBuffer,
    options: ConnectionSyncOptions,
  ): void {
    this.#check("sendBytesSync() on", true, options.timeout);
    const send = blocking("sendBytesSync", this.#transport.sendSync);
    try {
      send.call(this.#transport, FrameTag.bytes, asBytes(bytes), options);
    } catch (error) {
      throw this.#mapClosed(error, "sendBytesSync() on");
    }
  }

  recv(options: ConnectionWaitOptions): Promise<unknown> {
    // Not async: a message already there costs one resolved promise.
    return this.#receive("recv() from", options, this.#io.recvValue);
  }

  recvSync(options: ConnectionSyncOptions): unknown {
    this.#check("recvSync() from", false, options.timeout);
    let received;
    try {
      received = this.#io.recvValueSync(options);
    } catch (error) {
      throw this.#mapClosed(error, "recvSync() from");
    }
    if (received === null) throw this.#end("recvSync() from");
    return received.value;
  }

  recvBytes(options: ConnectionWaitOptions): Promise<Uint8Array> {
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

  recvBytesSync(options: ConnectionSyncOptions): Uint8Array {
    this.#check("recvBytesSync() from", false, options.timeout);
    try {
      const received = this.#io.recvBytesSync(options);
      if (received === null) throw this.#end("recvBytesSync() from");
      return received.value as Uint8Array;
    } catch (error) {
      throw this.#mapClosed(error, "recvBytesSync() from");
    }
  }

  recvBytesInto(
    buffer: ArrayBufferView | ArrayBuffer,
    offset: number,
    options: ConnectionWaitOptions,
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

  recvBytesIntoSync(
    buffer: ArrayBufferView | ArrayBuffer,
    offset: number,
    options: ConnectionSyncOptions,
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

  async poll(options: PollOptions): Promise<boolean> {
    const { timeout = 0, signal } = options;
    this.#check("poll()", false, timeout);
    signal?.throwIfAborted();
    return await this.#transport.poll({
      timeout: timeout === Infinity ? undefined : timeout,
      ...(signal === undefined ? {} : { signal }),
    } as ConnectionWaitOptions);
  }

  pollSync(options: ConnectionSyncOptions): boolean {
    const { timeout = 0 } = options;
    this.#check("pollSync()", false, timeout);
    const poll = blocking("pollSync", this.#transport.pollSync);
    return poll.call(
      this.#transport,
      timeout === Infinity ? {} : { timeout },
    );
  }
}
