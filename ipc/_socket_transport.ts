/**
 * A `Transport` over a TCP or Unix socket (`Deno.Conn`), framed by
 * `_wire.ts`.
 *
 * Reading: one read loop at a time pulls bytes into a `FrameDecoder` and
 * queues whole frames; `recv()` takes from that queue and starts a read only
 * when the queue is empty. A wait abandoned through `signal` or `timeout`
 * leaves the read running: the frame it brings is queued for the next
 * `recv()`, so nothing is lost. Writing: frames are written one after
 * another through a promise chain, so concurrent `send()`s never interleave
 * bytes; a small frame is assembled (header and payload in one buffer)
 * when `send()` is called, so the caller may reuse its payload at once.
 *
 * Before the transport exists, the handshake (`_auth.ts`) reads the socket
 * through `handshakeStream()`, which reads frames exactly (header, then
 * payload) so that no byte of the data frames after it is consumed early.
 *
 * A socket cannot carry shared memory (`sharesMemory` is false) and cannot
 * cross into a Worker (no `describe()`).
 *
 * @module
 */
import type { HandshakeStream } from "./_auth.ts";
import { ConnectionClosedError } from "./connection.ts";
import type { Transport, TransportWaitOptions } from "./_transport.ts";
import {
  type Frame,
  FrameDecoder,
  HEADER_SIZE,
  parseHeader,
  writeHeader,
} from "./_wire.ts";

const READ_CHUNK = 64 * 1024;
const COALESCE_LIMIT = 64 * 1024;

/** Options of {@linkcode SocketTransport}. */
export interface SocketTransportOptions {
  /** Largest payload accepted from the peer. Default: `_wire.ts`'s. */
  maxFrameSize?: number;
}

async function readExact(
  conn: Deno.Conn,
  target: Uint8Array,
): Promise<boolean> {
  let done = 0;
  while (done < target.byteLength) {
    const n = await conn.read(target.subarray(done));
    if (n === null) {
      if (done === 0) return false;
      throw new TypeError(
        `Cannot read frame as the stream ended inside one: received ${done} of ${target.byteLength} bytes`,
      );
    }
    done += n;
  }
  return true;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    done += await conn.write(bytes.subarray(done));
  }
}

/**
 * The buffers of one frame, built at once: a small payload is copied next
 * to its header (so the caller may reuse it right away), a large one is
 * referenced.
 */
function frameParts(tag: number, payload: Uint8Array): Uint8Array[] {
  if (payload.byteLength <= COALESCE_LIMIT) {
    const frame = new Uint8Array(HEADER_SIZE + payload.byteLength);
    writeHeader(frame, 0, tag, payload.byteLength);
    frame.set(payload, HEADER_SIZE);
    return [frame];
  }
  const header = new Uint8Array(HEADER_SIZE);
  writeHeader(header, 0, tag, payload.byteLength);
  return [header, payload];
}

async function writeParts(conn: Deno.Conn, parts: Uint8Array[]) {
  for (const part of parts) await writeAll(conn, part);
}

function writeFrame(
  conn: Deno.Conn,
  tag: number,
  payload: Uint8Array,
): Promise<void> {
  return writeParts(conn, frameParts(tag, payload));
}

/** The exact-read view of `conn` the handshake runs over. */
export function handshakeStream(conn: Deno.Conn): HandshakeStream {
  return {
    async readFrame(limit: number): Promise<Frame | null> {
      const header = new Uint8Array(HEADER_SIZE);
      if (!await readExact(conn, header)) return null;
      const { tag, length } = parseHeader(header, 0, limit);
      const payload = new Uint8Array(length);
      if (length > 0 && !await readExact(conn, payload)) {
        throw new TypeError("Cannot read frame as the stream ended inside one");
      }
      return { tag, payload };
    },
    writeFrame: (tag, payload) => writeFrame(conn, tag, payload),
    abort(): void {
      try {
        conn.close();
      } catch {
        // already closed
      }
    },
  };
}

/** Rejects when `options.signal` aborts or `options.timeout` passes. */
function waitFor<T>(
  promise: Promise<T>,
  options: TransportWaitOptions,
  onTimeout: () => T | Promise<T>,
): Promise<T> {
  const { signal, timeout } = options;
  if (signal === undefined && timeout === undefined) return promise;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => finish(() => reject(signal!.reason));
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      settle();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeout !== undefined) {
      timer = setTimeout(
        () =>
          finish(() => {
            Promise.resolve().then(onTimeout).then(resolve, reject);
          }),
        timeout,
      );
    }
    promise.then(
      (value) => finish(() => resolve(value)),
      (error) => finish(() => reject(error)),
    );
  });
}

function timeoutError(): never {
  throw new DOMException("Timed out waiting on the socket", "TimeoutError");
}

/** A framed, bidirectional socket. See the module note. */
export class SocketTransport implements Transport {
  #conn: Deno.Conn;
  #decoder: FrameDecoder;
  #frames: Frame[] = [];
  #ended = false;
  #error: Error | undefined;
  #reading: Promise<void> | undefined;
  #writing: Promise<void> = Promise.resolve();
  #pendingWrites = 0;
  #closed = false;
  #connClosed = false;
  #buffer = new Uint8Array(READ_CHUNK);

  /** Wraps an authenticated `conn`; the transport owns it from now on. */
  constructor(conn: Deno.Conn, options: SocketTransportOptions = {}) {
    this.#conn = conn;
    this.#decoder = new FrameDecoder(
      options.maxFrameSize === undefined
        ? {}
        : { maxFrameSize: options.maxFrameSize },
    );
    if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
  }

  /** Always true: sockets are bidirectional. */
  readonly writable = true;
  /** Always true: sockets are bidirectional. */
  readonly readable = true;
  /** Always false: shared memory cannot cross a socket. */
  readonly sharesMemory = false;

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether the peer ended the stream (or it broke). */
  get ended(): boolean {
    return this.#ended || this.#error !== undefined;
  }

  /** Queues one frame for writing; settles once it is written. */
  send(
    tag: number,
    payload: Uint8Array,
    options: TransportWaitOptions = {},
  ): Promise<void> {
    if (this.#closed) {
      return Promise.reject(
        new ConnectionClosedError("Cannot send on a closed socket connection"),
      );
    }
    options.signal?.throwIfAborted();
    const parts = frameParts(tag, payload);
    this.#pendingWrites++;
    const write = this.#writing.then(() => {
      if (options.signal?.aborted) throw options.signal.reason;
      return writeParts(this.#conn, parts).catch((error) => {
        throw new ConnectionClosedError(
          "Cannot send on the socket as the other end closed it",
          { cause: error },
        );
      });
    }).finally(() => {
      this.#pendingWrites--;
      if (this.#closed && this.#pendingWrites === 0) this.#closeConn();
    });
    this.#writing = write.catch(() => {});
    return waitFor(write, options, timeoutError);
  }

  /** Receives the next frame, or `null` once the peer ended the stream. */
  async recv(options: TransportWaitOptions = {}): Promise<Frame | null> {
    options.signal?.throwIfAborted();
    while (true) {
      const frame = this.#frames.shift();
      if (frame !== undefined) return frame;
      if (this.#error !== undefined) throw this.#error;
      if (this.#ended || this.#closed) return null;
      await waitFor(this.#fill(), options, timeoutError);
    }
  }

  /** Resolves `true` once `recv()` would not wait, `false` on timeout. */
  async poll(options: TransportWaitOptions = {}): Promise<boolean> {
    options.signal?.throwIfAborted();
    while (true) {
      if (
        this.#frames.length > 0 || this.#error !== undefined ||
        this.#ended || this.#closed
      ) return true;
      const filled = await waitFor(
        this.#fill().then(() => true),
        options,
        () => false,
      );
      if (!filled) return false;
    }
  }

  /** Lets an idle socket keep the process alive (the default). */
  ref(): void {
    this.#conn.ref();
  }

  /** Stops an idle socket from keeping the process alive. */
  unref(): void {
    this.#conn.unref();
  }

  /** Closes this end once queued frames are written; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pendingWrites === 0) this.#closeConn();
  }

  #closeConn(): void {
    if (this.#connClosed) return;
    this.#connClosed = true;
    try {
      this.#conn.close();
    } catch {
      // already closed by the runtime
    }
  }

  #fill(): Promise<void> {
    this.#reading ??= this.#read().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  async #read(): Promise<void> {
    let n: number | null;
    try {
      n = await this.#conn.read(this.#buffer);
    } catch (error) {
      if (this.#closed) n = null;
      else {
        this.#error = error as Error;
        return;
      }
    }
    try {
      if (n === null) {
        this.#ended = true;
        if (this.#closed) return;
        this.#decoder.end();
        return;
      }
      this.#decoder.push(this.#buffer.slice(0, n));
      for (let f = this.#decoder.next(); f; f = this.#decoder.next()) {
        this.#frames.push(f);
      }
    } catch (error) {
      this.#error = error as Error;
    }
  }
}
