/**
 * `listen()` and `connect()`: `Connection`s over TCP or Unix sockets, with
 * Python's mutual HMAC authentication (`multiprocessing.connection`'s
 * `Listener` and `Client`).
 *
 * @module
 */
import { AuthenticationError, type Authkey } from "./_auth.ts";
import {
  type Address,
  checkSocketOptions,
  dialSocket,
  type SocketOptions,
} from "./_socket_endpoint.ts";
import { type AcceptLoop, openAcceptLoop } from "./_accept_loop.ts";
import { Connection, ConnectionClosedError } from "./connection.ts";

export { AuthenticationError, type Authkey };
export type {
  Address,
  SocketOptions,
  TcpAddress,
  UnixAddress,
} from "./_socket_endpoint.ts";

/** Options of {@linkcode listen}. */
export interface ListenOptions extends SocketOptions {
  /**
   * How many authenticated connections may wait for `accept()` before the
   * listener stops taking new ones from the system. Default `128`.
   */
  backlog?: number;
  /**
   * Called with each failed handshake that `for await` skips (`accept()`
   * rejects with it instead). Default: none.
   */
  onError?: (error: AuthenticationError) => void;
}

/** Options of {@linkcode connect}. */
export interface ConnectOptions extends SocketOptions {
  /** Abort connecting; rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Give up connecting after this many milliseconds. Default: never. */
  timeout?: number;
}

/** Options of {@linkcode Listener.accept}. */
export interface AcceptOptions {
  /** Abort the wait; rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Give up after this many milliseconds (`TimeoutError`). Default: never. */
  timeout?: number;
}

/**
 * Accepts authenticated `Connection`s: `accept()` one at a time, or
 * `for await` over all of them (failed handshakes are skipped there, and
 * the listener keeps serving). Made by {@linkcode listen}.
 *
 * @example
 * ```ts
 * import { connect, listen } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * await using listener = await listen<number>({ address: { hostname: "127.0.0.1", port: 0 } });
 * const server = (async () => {
 *   for await (const conn of listener) {
 *     await conn.send((await conn.recv()) * 2);
 *     conn.close();
 *   }
 * })();
 * for (const n of [1, 2]) {
 *   await using client = await connect<number>({ address: listener.address });
 *   await client.send(n);
 *   assert.equal(await client.recv(), n * 2);
 * }
 * listener.close();
 * await server;
 * ```
 */
export class Listener<T = unknown>
  implements AsyncIterable<Connection<T>>, AsyncDisposable {
  #loop: AcceptLoop;
  #onError: ((error: AuthenticationError) => void) | undefined;

  /** @internal Use {@linkcode listen}. */
  constructor(loop: AcceptLoop, options: ListenOptions) {
    this.#loop = loop;
    this.#onError = options.onError;
  }

  /** The bound address (with the real port when `0` was asked). */
  get address(): Address {
    return this.#loop.address;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#loop.closed;
  }

  /**
   * Waits for the next authenticated connection.
   *
   * @param options `signal` and `timeout`.
   * @returns The connection, ready for `send()` and `recv()`.
   * @throws {AuthenticationError} when the next peer fails the handshake
   * (call `accept()` again for the one after).
   * @throws {ConnectionClosedError} when the listener is closed.
   */
  async accept(options: AcceptOptions = {}): Promise<Connection<T>> {
    const result = await this.#loop.take(false, options);
    if (result === undefined) {
      throw new ConnectionClosedError(
        "Cannot accept as the listener is closed",
      );
    }
    if ("error" in result) throw result.error;
    return new Connection<T>(result.transport);
  }

  /** Yields authenticated connections until the listener is closed. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Connection<T>> {
    while (true) {
      const result = await this.#loop.take(true, {}, this.#onError);
      if (result === undefined) return;
      if ("transport" in result) yield new Connection<T>(result.transport);
    }
  }

  /**
   * Stops listening: pending `accept()`s reject, connections not yet
   * accepted are closed, a Unix socket file is removed. Idempotent.
   */
  close(): void {
    this.#loop.close();
  }

  /** Closes the listener (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

/**
 * Listens on a TCP or Unix socket for authenticated connections (Python's
 * `multiprocessing.connection.Listener`). A stale Unix socket file left by a
 * dead process is removed first; a live one is an `AddrInUse` error. Data
 * frames use the package's codec, which never runs code while decoding
 * (unlike pickle). Needs `--allow-net` (`--allow-net=unix:<path>` for a Unix
 * socket; removing a stale socket file also needs read and write access to
 * it).
 *
 * @param options Address, authkey, backlog; see {@linkcode ListenOptions}.
 * @returns The listener; `await using` closes it.
 * @throws {TypeError} on a malformed address, or a non-loopback address
 * without `authkey` and without `insecure`.
 * @throws {RangeError} on a port out of range.
 *
 * @example Echo server and client on a free TCP port
 * ```ts
 * import { connect, listen } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * await using listener = await listen<string>({
 *   address: { hostname: "127.0.0.1", port: 0 },
 *   authkey: "secret",
 * });
 * const serving = (async () => {
 *   await using conn = await listener.accept();
 *   await conn.send((await conn.recv()).toUpperCase());
 * })();
 * await using client = await connect<string>({
 *   address: listener.address,
 *   authkey: "secret",
 * });
 * await client.send("hello");
 * assert.equal(await client.recv(), "HELLO");
 * await serving;
 * ```
 */
export async function listen<T = unknown>(
  options: ListenOptions,
): Promise<Listener<T>> {
  const checked = checkSocketOptions(options, "listen");
  const backlog = options.backlog ?? 128;
  if (!Number.isInteger(backlog) || backlog < 1) {
    throw new RangeError(
      `Cannot listen as backlog must be a positive integer: received ${backlog}`,
    );
  }
  return new Listener<T>(await openAcceptLoop(checked, backlog), options);
}

/**
 * Connects to a {@linkcode listen}ing peer and authenticates (Python's
 * `multiprocessing.connection.Client`). Needs `--allow-net`.
 *
 * @param options Address, authkey; see {@linkcode ConnectOptions}.
 * @returns The connection, ready for `send()` and `recv()`.
 * @throws {AuthenticationError} when the keys differ, one side has none, or
 * the handshake fails or times out.
 * @throws {TypeError} on a malformed address, or a non-loopback address
 * without `authkey` and without `insecure`.
 *
 * @example
 * ```ts
 * import { connect, listen } from "@mp/multiprocessing/ipc";
 * import assert from "node:assert/strict";
 *
 * await using listener = await listen({ address: { hostname: "127.0.0.1", port: 0 } });
 * const accepted = listener.accept();
 * await using client = await connect({ address: listener.address });
 * await using server = await accepted;
 * await server.send({ n: 1 });
 * assert.deepEqual(await client.recv(), { n: 1 });
 * ```
 */
export async function connect<T = unknown>(
  options: ConnectOptions,
): Promise<Connection<T>> {
  const checked = checkSocketOptions(options, "connect");
  const transport = await dialSocket(checked, options.signal, options.timeout);
  return new Connection<T>(transport);
}
