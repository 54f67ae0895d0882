/**
 * The server end of an authenticated socket: the accept loop behind
 * `listen()` and the Manager's server.
 *
 * It takes sockets from the system while fewer than `backlog` are
 * handshaking or waiting to be taken, runs every handshake (`_auth.ts`)
 * concurrently, so a silent peer delays nobody (its deadline drops it), and
 * hands results out in completion order. A consumer that skips failures
 * (`for await`) gets only good transports and the loop keeps serving;
 * `accept()` sees each failure as an `AuthenticationError`. Before
 * listening on a Unix socket path that is in use, a stale socket file (one
 * nobody answers on) is removed; a live one, or a file that is not a
 * socket, is an `AddrInUse` error.
 *
 * @module
 */
import { AuthenticationError, handshake } from "./_auth.ts";
import {
  type Address,
  type CheckedOptions,
  transportOptions,
} from "./_socket_endpoint.ts";
import { handshakeStream, SocketTransport } from "./_socket_transport.ts";

async function removeStaleSocket(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  if (!info.isSocket) {
    throw new Deno.errors.AddrInUse(
      `Cannot listen on "${path}" as a file that is not a socket is there`,
    );
  }
  let live: Deno.Conn | undefined;
  try {
    live = await Deno.connect({ transport: "unix", path });
  } catch {
    await Deno.remove(path).catch(() => {}); // stale: nobody listens
    return;
  }
  live.close();
  throw new Deno.errors.AddrInUse(
    `Cannot listen on "${path}" as another process is listening there`,
  );
}

/** What the accept loop hands out. */
export type AcceptResult = { transport: SocketTransport } | {
  error: AuthenticationError;
};

interface Waiter {
  settle(result: AcceptResult | undefined): void;
  skipErrors: boolean;
}

/** Options of a wait on the accept loop. */
export interface AcceptWaitOptions {
  /** Abort the wait; rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Give up after this many milliseconds (`TimeoutError`). */
  timeout?: number;
}

/** The accept loop; see the module note. */
export class AcceptLoop {
  #inner: Deno.Listener;
  #checked: CheckedOptions;
  #backlog: number;
  #ready: AcceptResult[] = [];
  #waiters: Waiter[] = [];
  #handshaking = new Set<Deno.Conn>();
  #pumping = false;
  #wake: (() => void) | undefined;
  #closed = false;

  /** Runs over `inner`, which it owns from now on. */
  constructor(inner: Deno.Listener, checked: CheckedOptions, backlog: number) {
    this.#inner = inner;
    this.#checked = checked;
    this.#backlog = backlog;
  }

  /** The bound address (with the real port when `0` was asked). */
  get address(): Address {
    const addr = this.#inner.addr;
    return addr.transport === "tcp" || addr.transport === "udp"
      ? { hostname: addr.hostname, port: addr.port }
      : { path: (addr as Deno.UnixAddr).path };
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The next result, or `undefined` once closed. With `skipErrors`,
   * failed handshakes go to `onError` instead.
   */
  take(
    skipErrors: boolean,
    options: AcceptWaitOptions = {},
    onError?: (error: AuthenticationError) => void,
  ): Promise<AcceptResult | undefined> {
    options.signal?.throwIfAborted();
    while (this.#ready.length > 0) {
      const result = this.#ready.shift()!;
      this.#wake?.();
      if (!("error" in result) || !skipErrors) return Promise.resolve(result);
      onError?.(result.error);
    }
    if (this.#closed) return Promise.resolve(undefined);
    this.#pump();
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const { signal, timeout } = options;
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const waiter: Waiter = {
        skipErrors,
        settle: (result) => {
          cleanup();
          if (result !== undefined && "error" in result && skipErrors) {
            onError?.(result.error);
            this.#waiters.unshift(waiter);
            return;
          }
          resolve(result);
        },
      };
      const drop = (reason: unknown) => {
        cleanup();
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(reason);
      };
      const onAbort = () => drop(signal!.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      if (timeout !== undefined) {
        timer = setTimeout(
          () =>
            drop(
              new DOMException(
                "Timed out waiting for a connection",
                "TimeoutError",
              ),
            ),
          timeout,
        );
      }
      this.#waiters.push(waiter);
    });
  }

  /** Stops accepting; closes what was not taken; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#inner.close();
    } catch {
      // already closed
    }
    for (const conn of this.#handshaking) {
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
    for (const result of this.#ready.splice(0)) {
      if ("transport" in result) result.transport.close();
    }
    for (const waiter of this.#waiters.splice(0)) waiter.settle(undefined);
    this.#wake?.();
  }

  #deliver(result: AcceptResult): void {
    if (this.#closed) {
      if ("transport" in result) result.transport.close();
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter.settle(result);
    else this.#ready.push(result);
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (!this.#closed) {
        if (this.#ready.length + this.#handshaking.size >= this.#backlog) {
          await new Promise<void>((resolve) => this.#wake = resolve);
          this.#wake = undefined;
          continue;
        }
        let conn: Deno.Conn;
        try {
          conn = await this.#inner.accept();
        } catch (error) {
          if (!this.#closed) {
            this.#deliver({
              error: new AuthenticationError(
                "Cannot accept as the listening socket failed",
                { cause: error },
              ),
            });
            this.close();
          }
          return;
        }
        this.#authenticate(conn);
      }
    } finally {
      this.#pumping = false;
    }
  }

  async #authenticate(conn: Deno.Conn): Promise<void> {
    this.#handshaking.add(conn);
    let result: AcceptResult;
    try {
      const { key, handshakeTimeout } = this.#checked;
      await handshake("server", handshakeStream(conn), key, handshakeTimeout);
      result = {
        transport: new SocketTransport(conn, transportOptions(this.#checked)),
      };
    } catch (error) {
      result = { error: error as AuthenticationError };
    } finally {
      this.#handshaking.delete(conn);
      this.#wake?.();
    }
    this.#deliver(result);
  }
}

/**
 * Opens the system listener for `checked.address` (removing a stale Unix
 * socket file first) and starts nothing until the first `take()`.
 */
export async function openAcceptLoop(
  checked: CheckedOptions,
  backlog: number,
): Promise<AcceptLoop> {
  let inner: Deno.Listener;
  if ("path" in checked.address) {
    const path = checked.address.path;
    try {
      inner = Deno.listen({ transport: "unix", path });
    } catch (error) {
      if (!(error instanceof Deno.errors.AddrInUse)) throw error;
      await removeStaleSocket(path);
      inner = Deno.listen({ transport: "unix", path });
    }
  } else {
    inner = Deno.listen({ transport: "tcp", ...checked.address });
  }
  return new AcceptLoop(inner, checked, backlog);
}
