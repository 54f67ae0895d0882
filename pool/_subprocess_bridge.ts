/**
 * The child side of the subprocess bridge: what a `"subprocess"` child gets
 * for a `Queue` or pipe end its parent sent it. Its one mechanism: the same
 * async methods, each one a `BRIDGE` frame to the parent, which runs it on
 * the real object (`_subprocess_bridge_host.ts`) and sends the outcome back
 * in a `REPLY` frame.
 *
 * - `timeout` crosses and is applied by the parent; a `signal` stays here:
 *   its abort rejects the call at once and tells the parent to put back an
 *   item it may already have taken (`nack`).
 * - An item that arrives is acknowledged (`ack`) synchronously, before the
 *   caller sees it, so the parent puts back exactly the items no caller saw.
 * - The blocking `Sync` twins cannot wait for a reply (the reply arrives on
 *   this thread's event loop): they throw a `TypeError` that says so.
 *
 * @module
 */
import { revive } from "../sync/_shareable.ts";
import { ConnectionClosedError } from "../ipc/connection_closed_error.ts";
import { QueueClosedError } from "../ipc/queue_closed_error.ts";
import { deserializeError, type ErrorRecord } from "../ipc/_transfer.ts";
import { registerKind } from "../ipc/_kinds.ts";
import type { TryGetResult } from "../ipc/queue.ts";
import {
  BRIDGE,
  type BridgeReply,
  encodeBridge,
} from "./_subprocess_protocol.ts";
import {
  BRIDGED_CONNECTION,
  BRIDGED_QUEUE,
  type BridgeData,
} from "./_subprocess_bridge_host.ts";

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** The call takes an item: its arrival is acknowledged. */
  takes: boolean;
}

interface WaitOptions {
  signal?: AbortSignal;
  timeout?: number;
}

const pending = new Map<number, Pending>();
/** Calls given up here whose item (if any) must go back. */
const abandoned = new Set<number>();
let nextCall = 1;
let write: ((frame: Uint8Array) => void) | undefined;

/** Sets how frames reach the parent (the child's bootstrap does). */
export function useBridge(writeFrame: (frame: Uint8Array) => void): void {
  write = writeFrame;
  registerKind(BRIDGED_QUEUE, BridgedQueue);
  registerKind(BRIDGED_CONNECTION, BridgedConnection);
}

function send(body: unknown): void {
  if (write === undefined) {
    throw new TypeError(
      "Cannot use a bridged Queue or pipe end outside a subprocess child",
    );
  }
  write(encodeBridge(BRIDGE, body));
}

/** Settles the call a `REPLY` frame answers. */
export function settleBridge(reply: BridgeReply): void {
  const call = pending.get(reply.c);
  pending.delete(reply.c);
  if (call === undefined) {
    if (abandoned.delete(reply.c) && reply.ok) {
      send({ c: reply.c, o: 0, op: "nack", a: [] });
    }
    return;
  }
  if (!reply.ok) {
    call.reject(reviveError(reply.e));
    return;
  }
  if (call.takes) send({ c: reply.c, o: 0, op: "ack", a: [] });
  call.resolve(reply.v);
}

function reviveError(record: unknown): unknown {
  const error = deserializeError(record as ErrorRecord);
  if (error instanceof Error && error.name === "TimeoutError") {
    return new DOMException(error.message, "TimeoutError");
  }
  return error;
}

function call(
  id: number,
  op: string,
  args: unknown[],
  takes: boolean,
  signal?: AbortSignal,
): Promise<unknown> {
  signal?.throwIfAborted();
  const c = nextCall++;
  send({ c, o: id, op, a: args });
  return new Promise((resolve, reject) => {
    if (signal === undefined) {
      pending.set(c, { resolve, reject, takes });
      return;
    }
    const onAbort = (): void => {
      pending.delete(c);
      if (takes) abandoned.add(c);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    pending.set(c, {
      resolve: (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      reject: (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
      takes,
    });
  });
}

function waitArgs(options: WaitOptions): unknown[] {
  return [options.timeout === undefined ? {} : { timeout: options.timeout }];
}

function noSync(what: string, name: string): never {
  throw new TypeError(
    `Cannot call ${name}Sync() on a ${what} bridged into a subprocess as its calls travel to the parent: use ${name}() instead`,
  );
}

/** A queue that lives in the parent process; see the module note. */
export class BridgedQueue<T> implements AsyncIterable<T> {
  readonly #data: BridgeData;

  private constructor(data: BridgeData) {
    this.#data = data;
  }

  static [revive](data: BridgeData): BridgedQueue<unknown> {
    return new BridgedQueue(data);
  }

  get maxsize(): number {
    return this.#data.maxsize;
  }

  #call(op: string, args: unknown[], takes = false, signal?: AbortSignal) {
    return call(this.#data.id, op, args, takes, signal);
  }

  async put(item: T, options: WaitOptions = {}): Promise<void> {
    await this.#call(
      "put",
      [item, ...waitArgs(options)],
      false,
      options.signal,
    );
  }

  async get(options: WaitOptions = {}): Promise<T> {
    return await this.#call(
      "get",
      waitArgs(options),
      true,
      options.signal,
    ) as T;
  }

  async tryPut(item: T): Promise<boolean> {
    return await this.#call("tryPut", [item]) as boolean;
  }

  async tryGet(): Promise<TryGetResult<T>> {
    return await this.#call("tryGet", [], true) as TryGetResult<T>;
  }

  async qsize(): Promise<number> {
    return await this.#call("qsize", []) as number;
  }

  async empty(): Promise<boolean> {
    return await this.#call("empty", []) as boolean;
  }

  async full(): Promise<boolean> {
    return await this.#call("full", []) as boolean;
  }

  async close(): Promise<void> {
    await this.#call("close", []);
  }

  async taskDone(): Promise<void> {
    await this.#call("taskDone", []);
  }

  async join(options: WaitOptions = {}): Promise<void> {
    await this.#call("join", waitArgs(options), false, options.signal);
  }

  putSync(): never {
    noSync("Queue", "put");
  }

  getSync(): never {
    noSync("Queue", "get");
  }

  joinSync(): never {
    noSync("Queue", "join");
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (true) {
      try {
        yield await this.get();
      } catch (error) {
        if (error instanceof QueueClosedError) return;
        throw error;
      }
    }
  }
}

/** A pipe end that lives in the parent process; see the module note. */
export class BridgedConnection<T = unknown> implements AsyncIterable<T> {
  readonly #data: BridgeData;

  private constructor(data: BridgeData) {
    this.#data = data;
  }

  static [revive](data: BridgeData): BridgedConnection {
    return new BridgedConnection(data);
  }

  get readable(): boolean {
    return this.#data.readable;
  }

  get writable(): boolean {
    return this.#data.writable;
  }

  #call(op: string, args: unknown[], takes = false, signal?: AbortSignal) {
    return call(this.#data.id, op, args, takes, signal);
  }

  async send(value: T, options: WaitOptions = {}): Promise<void> {
    await this.#call(
      "send",
      [value, ...waitArgs(options)],
      false,
      options.signal,
    );
  }

  async sendBytes(
    bytes: ArrayBufferView | ArrayBuffer,
    options: WaitOptions = {},
  ): Promise<void> {
    const view = bytes instanceof ArrayBuffer
      ? new Uint8Array(bytes)
      : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    await this.#call(
      "sendBytes",
      [view, ...waitArgs(options)],
      false,
      options.signal,
    );
  }

  async recv(options: WaitOptions = {}): Promise<T> {
    return await this.#call(
      "recv",
      waitArgs(options),
      true,
      options.signal,
    ) as T;
  }

  async recvBytes(options: WaitOptions = {}): Promise<Uint8Array> {
    return await this.#call(
      "recvBytes",
      waitArgs(options),
      true,
      options.signal,
    ) as Uint8Array;
  }

  async poll(options: WaitOptions = {}): Promise<boolean> {
    return await this.#call(
      "poll",
      waitArgs(options),
      false,
      options.signal,
    ) as boolean;
  }

  async close(): Promise<void> {
    await this.#call("close", []);
  }

  sendSync(): never {
    noSync("pipe end", "send");
  }

  recvSync(): never {
    noSync("pipe end", "recv");
  }

  sendBytesSync(): never {
    noSync("pipe end", "sendBytes");
  }

  recvBytesSync(): never {
    noSync("pipe end", "recvBytes");
  }

  pollSync(): never {
    noSync("pipe end", "poll");
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (true) {
      try {
        yield await this.recv();
      } catch (error) {
        if (error instanceof ConnectionClosedError) return;
        throw error;
      }
    }
  }
}
