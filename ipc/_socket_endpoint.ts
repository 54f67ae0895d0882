/**
 * The client end of an authenticated socket, and the checks shared by both
 * ends: socket options are validated once here (address shape, port range,
 * authkey, and the rule that a non-loopback address needs an authkey or an
 * explicit `insecure: true`), then `dialSocket()` connects and runs the
 * client side of the handshake of `_auth.ts`, returning a
 * `SocketTransport`. The server end is `_accept_loop.ts`.
 *
 * @module
 */
import {
  DEFAULT_HANDSHAKE_TIMEOUT,
  handshake,
  toAuthkeyBytes,
} from "./_auth.ts";
import { handshakeStream, SocketTransport } from "./_socket_transport.ts";
import type { Authkey } from "./_auth.ts";

/** A TCP address. Port `0` asks the system for a free port. */
export interface TcpAddress {
  /** Host name or IP address, e.g. `"127.0.0.1"`. */
  hostname: string;
  /** Port number, `0` to `65535`. */
  port: number;
}

/** A Unix domain socket address. */
export interface UnixAddress {
  /** Path of the socket file. */
  path: string;
}

/** Where a listener listens or a client connects. */
export type Address = TcpAddress | UnixAddress;

/** Options shared by {@linkcode listen} and {@linkcode connect}. */
export interface SocketOptions {
  /** Where to listen or connect. */
  address: Address;
  /**
   * Shared secret for the mutual HMAC-SHA256 challenge; strings are UTF-8
   * encoded. Default: none, which only loopback and Unix addresses allow
   * (unless `insecure`).
   */
  authkey?: Authkey;
  /**
   * Allow a non-loopback TCP address without `authkey`: anyone who can
   * reach the port can then send you data. Default `false`.
   */
  insecure?: boolean;
  /**
   * Deadline of the authentication handshake in milliseconds; a silent
   * peer is dropped after it. Default `10000`.
   */
  handshakeTimeout?: number;
  /**
   * Largest data frame accepted from the peer, in bytes; a larger one is
   * refused from its header, before any memory is allocated, and breaks the
   * connection. Default 256 MiB.
   */
  maxFrameSize?: number;
}

/** Socket options, checked. */
export interface CheckedOptions {
  /** The address, copied. */
  address: Address;
  /** The authkey bytes, if any. */
  key: Uint8Array | undefined;
  /** Handshake deadline in milliseconds. */
  handshakeTimeout: number;
  /** Largest accepted data frame, if set. */
  maxFrameSize: number | undefined;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i;

/** Whether `address` only reaches this machine. */
export function isLocalAddress(address: Address): boolean {
  return "path" in address || LOOPBACK.test(address.hostname);
}

/**
 * Validates socket options for `owner` (e.g. `"listen"`).
 *
 * @throws {TypeError} on a malformed address or authkey, or a non-loopback
 * address without `authkey` and without `insecure`.
 * @throws {RangeError} on a port or timeout out of range.
 */
export function checkSocketOptions(
  options: SocketOptions,
  owner: string,
): CheckedOptions {
  const address = options?.address as Partial<TcpAddress & UnixAddress>;
  if (typeof address !== "object" || address === null) {
    throw new TypeError(
      `Cannot ${owner} as address must be { hostname, port } or { path }: received ${
        String(address)
      }`,
    );
  }
  const key = toAuthkeyBytes(options.authkey, owner);
  const handshakeTimeout = options.handshakeTimeout ??
    DEFAULT_HANDSHAKE_TIMEOUT;
  if (!(handshakeTimeout > 0)) {
    throw new RangeError(
      `Cannot ${owner} as handshakeTimeout must be positive: received ${handshakeTimeout}`,
    );
  }
  const maxFrameSize = options.maxFrameSize;
  if (
    maxFrameSize !== undefined &&
    (!Number.isInteger(maxFrameSize) || maxFrameSize < 0)
  ) {
    throw new RangeError(
      `Cannot ${owner} as maxFrameSize must be a non-negative integer: received ${maxFrameSize}`,
    );
  }
  if (typeof address.path === "string") {
    if (address.path === "") {
      throw new TypeError(`Cannot ${owner} as address.path is empty`);
    }
    return {
      address: { path: address.path },
      key,
      handshakeTimeout,
      maxFrameSize,
    };
  }
  const { hostname, port } = address;
  if (typeof hostname !== "string" || typeof port !== "number") {
    throw new TypeError(
      `Cannot ${owner} as address must be { hostname, port } or { path }: received ${
        JSON.stringify(address)
      }`,
    );
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(
      `Cannot ${owner} as port must be an integer from 0 to 65535: received ${port}`,
    );
  }
  if (key === undefined && !LOOPBACK.test(hostname) && !options.insecure) {
    throw new TypeError(
      `Cannot ${owner} on non-loopback address "${hostname}" without authkey: pass authkey, or insecure: true to accept anyone who can reach the port`,
    );
  }
  return { address: { hostname, port }, key, handshakeTimeout, maxFrameSize };
}

/** The `SocketTransport` options `checked` implies. */
export function transportOptions(checked: CheckedOptions) {
  return checked.maxFrameSize === undefined
    ? {}
    : { maxFrameSize: checked.maxFrameSize };
}

/** Connects to `checked.address` and runs the client handshake. */
export async function dialSocket(
  checked: CheckedOptions,
  signal?: AbortSignal,
  timeout?: number,
): Promise<SocketTransport> {
  signal?.throwIfAborted();
  const dialing: Promise<Deno.Conn> = "path" in checked.address
    ? Deno.connect({ transport: "unix", path: checked.address.path })
    : Deno.connect({ transport: "tcp", ...checked.address });
  const conn = await raceWait(dialing, signal, timeout, (c) => c.close());
  try {
    await raceWait(
      handshake(
        "client",
        handshakeStream(conn),
        checked.key,
        checked.handshakeTimeout,
      ),
      signal,
      timeout,
      () => {},
    );
  } catch (error) {
    try {
      conn.close();
    } catch {
      // closed by the failed handshake
    }
    throw error;
  }
  return new SocketTransport(conn, transportOptions(checked));
}

/** Races `promise` against `signal`/`timeout`; `dispose` cleans a late win. */
function raceWait<V>(
  promise: Promise<V>,
  signal: AbortSignal | undefined,
  timeout: number | undefined,
  dispose: (value: V) => void,
): Promise<V> {
  if (signal === undefined && timeout === undefined) return promise;
  return new Promise<V>((resolve, reject) => {
    let done = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = (reason: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      reject(reason);
    };
    const onAbort = () => stop(signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeout !== undefined) {
      timer = setTimeout(
        () => stop(new DOMException("Timed out connecting", "TimeoutError")),
        timeout,
      );
    }
    promise.then((value) => {
      if (done) return dispose(value);
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(value);
    }, stop);
  });
}
