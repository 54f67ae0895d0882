/**
 * One client connection of the Manager's server: runs each request
 * through the server as soon as it arrives, and writes the answers. A
 * socket session reads its own frames (`run()`); the frames of a
 * same-process lane are fed to it by the server's lane loop
 * (`_manager_lanes.ts`).
 *
 * A malformed frame, body or request shape closes the connection (the
 * server keeps serving others). A request whose arguments fail to revive
 * (an unknown kind) is answered with that error instead. Closing cancels
 * the connection's waiting calls and runs its `onClose` hooks (which
 * release the locks it held).
 *
 * @module
 */
import { decode } from "./_codec.ts";
import { fromTransferable } from "./_transfer.ts";
import {
  decodeBody,
  encodeBody,
  encodeBodyScratch,
  isRequest,
  ManagerTag,
  type Request,
  unwrap,
} from "./_manager_protocol.ts";
import type { ClientHandle } from "./_manager_types.ts";
import type { Frame } from "./_wire.ts";
import type { ManagerServer } from "./_manager_server.ts";

/** What a session runs over: a socket, or a same-process lane. */
export interface SessionTransport {
  recv(): Promise<Frame | null>;
  send(tag: number, payload: Uint8Array): Promise<void>;
  /** Tells a caller blocked for the answer to stop blocking (lanes). */
  nudge?(): void;
  /** Writes a frame now if it fits (lanes); whether it did. */
  trySend?(tag: number, payload: Uint8Array, length: number): boolean;
  close(): void;
}

/** One client connection. */
export class Session implements ClientHandle {
  #server: ManagerServer;
  #transport: SessionTransport;
  #calls = new Map<number, AbortController>();
  #onClose: (() => void)[] = [];
  #closed = false;

  constructor(
    server: ManagerServer,
    transport: SessionTransport,
  ) {
    this.#server = server;
    this.#transport = transport;
  }

  /** Whether the session ended. */
  get closed(): boolean {
    return this.#closed;
  }

  onClose(fn: () => void): void {
    if (this.#closed) fn();
    else this.#onClose.push(fn);
  }

  /** Reads and runs frames until the transport ends (sockets). */
  async run(): Promise<void> {
    try {
      while (true) {
        const frame = await this.#transport.recv();
        if (frame === null || !this.feed(frame)) break;
      }
    } catch {
      // a broken transport: drop this client, keep serving others
    } finally {
      this.close();
    }
  }

  /**
   * Runs one frame (a request or a cancel). Returns `false` when it is
   * malformed: the caller then closes the session.
   */
  feed(frame: Frame): boolean {
    try {
      if (frame.tag === ManagerTag.cancel) {
        const [id] = decodeBody(frame.payload) as [number];
        this.#calls.get(id)?.abort(
          new DOMException("The caller cancelled the call", "AbortError"),
        );
        return true;
      }
      if (frame.tag !== ManagerTag.request) return false;
      const raw = decode(frame.payload);
      const request = unwrap(raw);
      if (!isRequest(request)) return false;
      let revived: Request;
      try {
        revived = fromTransferable(raw) as Request;
      } catch (error) {
        this.#reply(request[0], 1, error);
        return true;
      }
      this.#handle(revived);
      return true;
    } catch {
      return false; // an undecodable body
    }
  }

  #handle(request: Request): void {
    const callId = request[0];
    const controller = new AbortController();
    let result: unknown;
    try {
      result = this.#server.run(request, {
        signal: controller.signal,
        client: this,
      });
    } catch (error) {
      this.#reply(callId, 1, error);
      return;
    }
    if (!(result instanceof Promise)) {
      this.#reply(callId, 0, result);
      return;
    }
    // The call waits on the server: release a caller blocked on a lane.
    this.#transport.nudge?.();
    this.#calls.set(callId, controller);
    this.#server.waits++;
    result.then(
      (value) => this.#reply(callId, 0, value),
      (error) => this.#reply(callId, 1, error),
    ).finally(() => {
      this.#calls.delete(callId);
      this.#server.waits--;
    });
  }

  #reply(callId: number, failed: 0 | 1, value: unknown): void {
    if (this.#closed) return;
    const transport = this.#transport;
    let body: Uint8Array;
    try {
      if (transport.trySend !== undefined) {
        // A lane copies at once: write straight from the scratch buffer.
        const scratch = encodeBodyScratch([callId, failed, value], "result");
        if (
          transport.trySend(ManagerTag.response, scratch.buf, scratch.length)
        ) {
          return;
        }
        body = scratch.buf.slice(0, scratch.length);
      } else {
        body = encodeBody([callId, failed, value], "result");
      }
    } catch (error) {
      body = encodeBody([callId, 1, error], "result");
    }
    transport.send(ManagerTag.response, body).catch(() => this.close());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#transport.close();
    for (const controller of this.#calls.values()) {
      controller.abort(
        new DOMException("The client disconnected", "AbortError"),
      );
    }
    for (const fn of this.#onClose.splice(0)) fn();
  }
}
