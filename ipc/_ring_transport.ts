/**
 * The transport of `pipe()`: one end of a pipe over shared-memory rings
 * (`_ring.ts`), one ring per direction. An end reads from `input` and
 * writes to `output`; a one-way pipe's ends have only one of them.
 *
 * Closing an end closes its output for writing (the peer drains it, then
 * sees the end of stream) and its input for reading (the peer's next send
 * fails). The ring header keeps both bits, so the state is the same in
 * every thread that holds either end.
 *
 * @module
 */
import { copyRange } from "./_codec.ts";
import {
  DONE,
  READ_CLOSED,
  Ring,
  RingClosedError,
  WRITE_CLOSED,
} from "./_ring.ts";
import { type Decode, pollOp } from "./_ring_ops.ts";
import { Reader } from "./_ring_reader.ts";
import { Writer } from "./_ring_writer.ts";
import { runAsync, runSync, stepSpinning } from "./_ring_wait.ts";
import type {
  Frame,
  Transport,
  TransportSyncOptions,
  TransportWaitOptions,
} from "./_transport.ts";

/** The description of a pipe end. */
export interface RingTransportData {
  /** The ring this end reads, if any. */
  input: SharedArrayBuffer | null;
  /** The ring this end writes, if any. */
  output: SharedArrayBuffer | null;
}

function copyFrame(buf: Uint8Array, start: number, end: number): Uint8Array {
  return copyRange(buf, start, end);
}

/** One end of a pipe. */
export class RingTransport implements Transport {
  readonly #input: Ring | undefined;
  readonly #output: Ring | undefined;
  #closed = false;

  /** An end over the given rings (either may be absent). */
  constructor(input: Ring | undefined, output: Ring | undefined) {
    this.#input = input;
    this.#output = output;
  }

  /** Rebuilds an end from its description. */
  static revive(data: RingTransportData): RingTransport {
    const ring = (buffer: unknown) => {
      if (buffer === null || buffer === undefined) return undefined;
      if (!Ring.validate(buffer)) {
        throw new TypeError(
          "Cannot revive Connection as its description holds no pipe memory",
        );
      }
      return new Ring(buffer);
    };
    return new RingTransport(ring(data?.input), ring(data?.output));
  }

  readonly sharesMemory = true;

  get readable(): boolean {
    return this.#input !== undefined;
  }

  get writable(): boolean {
    return this.#output !== undefined;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async send(
    tag: number,
    payload: Uint8Array,
    options: TransportWaitOptions = {},
  ): Promise<void> {
    await this.sendRange(tag, payload, payload.byteLength, options);
  }

  sendSync(
    tag: number,
    payload: Uint8Array,
    options: TransportSyncOptions = {},
  ): void {
    this.sendRangeSync(tag, payload, payload.byteLength, options);
  }

  /**
   * Sends `buf[0 … length)`, copied before this returns (so `buf` may be
   * the codec's scratch buffer): no view of it is made. Returns
   * `undefined` when the message went in at once, without a promise.
   */
  sendRange(
    tag: number,
    buf: Uint8Array,
    length: number,
    options: TransportWaitOptions = {},
  ): Promise<void> | undefined {
    const ring = this.#output!;
    const op = new Writer(ring, buf, length, tag);
    if (stepSpinning(ring, op)) return undefined;
    op.own();
    return runAsync(ring, op, "send() on Connection", options);
  }

  /** Blocking twin of `sendRange()`. */
  sendRangeSync(
    tag: number,
    buf: Uint8Array,
    length: number,
    options: TransportSyncOptions = {},
  ): void {
    const ring = this.#output!;
    const op = new Writer(ring, buf, length, tag);
    runSync(ring, op, "sendSync() on Connection", options.timeout);
  }

  async recv(options: TransportWaitOptions = {}): Promise<Frame | null> {
    const op = await this.read(copyFrame, options);
    return op === null
      ? null
      : { tag: op.tag, payload: op.value as Uint8Array };
  }

  recvSync(options: TransportSyncOptions = {}): Frame | null {
    const op = this.readSync(copyFrame, options);
    return op === null
      ? null
      : { tag: op.tag, payload: op.value as Uint8Array };
  }

  /**
   * Receives the next message through `decode`, which may read the ring in
   * place; the result is the read's `value` and `tag`, or `null` at the end
   * of stream. A message already there comes back at once, without a
   * promise.
   */
  read(
    decode: Decode,
    options: TransportWaitOptions = {},
  ): Reader | null | Promise<Reader | null> {
    const ring = this.#input!;
    const op = new Reader(ring, decode);
    try {
      if (stepSpinning(ring, op)) return op;
    } catch (error) {
      if (isEnd(error)) return null;
      throw error;
    }
    return this.#readLater(op, options);
  }

  async #readLater(
    op: Reader,
    options: TransportWaitOptions,
  ): Promise<Reader | null> {
    try {
      await runAsync(this.#input!, op, "recv() from Connection", options);
    } catch (error) {
      if (isEnd(error)) return null;
      throw error;
    }
    return op;
  }

  /** Blocking twin of `read()`. */
  readSync(
    decode: Decode,
    options: TransportSyncOptions = {},
  ): Reader | null {
    const ring = this.#input!;
    const op = new Reader(ring, decode);
    try {
      runSync(ring, op, "recvSync() from Connection", options.timeout);
    } catch (error) {
      if (isEnd(error)) return null;
      throw error;
    }
    return op;
  }

  async poll(options: TransportWaitOptions = {}): Promise<boolean> {
    const ring = this.#input!;
    const op = pollOp(ring);
    if (op.step() === DONE) return true;
    if (options.timeout === 0) return false;
    try {
      await runAsync(ring, op, "poll() Connection", options);
      return true;
    } catch (error) {
      if (error instanceof DOMException && error.name === "TimeoutError") {
        return false;
      }
      throw error;
    }
  }

  pollSync(options: TransportSyncOptions = {}): boolean {
    const ring = this.#input!;
    const op = pollOp(ring);
    if (op.step() === DONE) return true;
    if (options.timeout === 0) return false;
    try {
      runSync(ring, op, "pollSync() Connection", options.timeout);
      return true;
    } catch (error) {
      if (error instanceof DOMException && error.name === "TimeoutError") {
        return false;
      }
      throw error;
    }
  }

  /** Whether the peer closed its end (its output or its input). */
  get peerClosed(): boolean {
    return ((this.#input?.closed ?? 0) & WRITE_CLOSED) !== 0 ||
      ((this.#output?.closed ?? 0) & READ_CLOSED) !== 0;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#output?.close(WRITE_CLOSED);
    this.#input?.close(READ_CLOSED);
  }

  describe(): { kind: string; data: RingTransportData } {
    return {
      kind: "ring",
      data: {
        input: this.#input?.buffer ?? null,
        output: this.#output?.buffer ?? null,
      },
    };
  }
}

/** Whether `error` is the end of the input stream (its writer closed). */
function isEnd(error: unknown): boolean {
  return error instanceof RingClosedError && error.side === WRITE_CLOSED;
}
