/**
 * The interface a `Connection` runs over: a bidirectional channel of
 * discrete messages (frames), each a tag and a payload of bytes.
 *
 * `Connection` encodes values with `ipc/_codec.ts` and hands the transport
 * whole messages; the transport only moves bytes. Two implementations exist:
 * a pair of shared-memory rings (`pipe()`, `ipc/pipe.ts`) and a socket
 * (`listen()` / `connect()`, `ipc/listener.ts`, framed by `ipc/_wire.ts`).
 *
 * Contract every transport keeps:
 *
 * - Messages arrive whole, in the order they were sent, never interleaved.
 * - `recv()` resolves `null` once the peer has closed and every message it
 *   sent before closing has been received (end of stream); it rejects with
 *   the transport's own error when the stream is broken (a malformed frame).
 * - `send()` after the peer closed, or after this end closed, rejects with
 *   `ConnectionClosedError` (the `Connection` maps `closed` states, the
 *   transport may also throw it itself).
 * - Waiting calls honour `signal` (reject with `signal.reason`) and
 *   `timeout` in milliseconds (reject with a `DOMException` named
 *   `"TimeoutError"`), and leave the channel usable after either.
 * - `close()` is idempotent and never throws; pending `recv()` / `poll()`
 *   calls on this end settle (with `null` / `true`).
 * - A transport that can cross into a Worker implements `describe()`; the
 *   `Connection` wraps it in its own shareable description.
 *
 * @module
 */

import type { Frame } from "./_wire.ts";

export type { Frame } from "./_wire.ts";

/** Options of every waiting transport call. */
export interface TransportWaitOptions {
  /** Abort the wait; rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Give up after this many milliseconds; `undefined` waits forever. */
  timeout?: number;
}

/** Options of the blocking twins (no `signal`: the thread is blocked). */
export interface TransportSyncOptions {
  /** Give up after this many milliseconds; `undefined` waits forever. */
  timeout?: number;
}

/**
 * A bidirectional message channel under a `Connection`. See the module
 * note for the contract.
 */
export interface Transport {
  /**
   * Sends one message. The transport may keep `payload` until the returned
   * promise settles; the caller must not change it before then.
   */
  send(
    tag: number,
    payload: Uint8Array,
    options?: TransportWaitOptions,
  ): Promise<void>;

  /** Receives the next message, or `null` at end of stream. */
  recv(options?: TransportWaitOptions): Promise<Frame | null>;

  /**
   * Resolves `true` as soon as `recv()` would not wait (a message or the
   * end of stream is ready), `false` when `timeout` passes first.
   */
  poll(options?: TransportWaitOptions): Promise<boolean>;

  /** Closes this end; the peer sees end of stream after draining. */
  close(): void;

  /** Whether `close()` was called on this end. */
  readonly closed: boolean;

  /** Whether this end may send (false on the read end of a one-way pipe). */
  readonly writable: boolean;

  /** Whether this end may receive (false on the write end of a one-way pipe). */
  readonly readable: boolean;

  /**
   * Whether values with shared memory (`SharedArrayBuffer`s, shareable
   * objects) may be sent: true for in-process transports, false for
   * sockets, where they are a `TypeError`.
   */
  readonly sharesMemory: boolean;

  /** Blocking twin of `send()`; only transports over shared memory have it. */
  sendSync?(
    tag: number,
    payload: Uint8Array,
    options?: TransportSyncOptions,
  ): void;

  /** Blocking twin of `recv()`; only transports over shared memory have it. */
  recvSync?(options?: TransportSyncOptions): Frame | null;

  /** Blocking twin of `poll()`; only transports over shared memory have it. */
  pollSync?(options?: TransportSyncOptions): boolean;

  /**
   * Structured-clonable data from which `reviveTransport` rebuilds this end
   * in another Worker; absent when the transport cannot cross (sockets).
   */
  describe?(): { kind: string; data: unknown };
}
