/**
 * One client connection of the Manager's server: reads requests (from a
 * socket or a same-process lane), runs each through the server as soon as
 * it arrives, and writes the answers.
 *
 * A malformed frame, body or request shape closes the connection (the
 * server keeps serving others). A request whose arguments fail to revive
 * (an unknown kind) is answered with that error instead. Closing cancels
 * the connection's waiting calls and runs its `onClose` hooks (which
 * release the locks it held). On a lane, the session spins briefly for the
 * next request after each one, by a `SpinBudget` that learns from hits and
 * misses.
 *
 * @module
 */
import { decode } from "./_codec.ts";
import { fromTransferable } from "./_transfer.ts";
import {
  decodeBody,
  encodeBody,
  isRequest,
  ManagerTag,
  type Request,
  unwrap,
} from "./_manager_protocol.ts";
import type { ClientHandle } from "./_manager_types.ts";
import type { Frame } from "./_wire.ts";
import type { LocalTransport, SpinBudget } from "./_local_ring.ts";
import type { ManagerServer } from "./_manager_server.ts";

/** What a session runs over: a socket, or a same-process lane. */
export interface SessionTransport {
  recv(): Promise<Frame | null>;
  send(tag: number, payload: Uint8Array): Promise<void>;
  close(): void;
}

/** Most microseconds a lane session spins for the next request. */
export const LANE_SPIN_MICROS = 100;

/** One client connection. */
export class Session implements ClientHandle {
  #server: ManagerServer;
  #transport: SessionTransport;
  #spin: SpinBudget | undefined;
  #calls = new Map<number, AbortController>();
  #onClose: (() => void)[] = [];
  #closed = false;

  constructor(
    server: ManagerServer,
    transport: SessionTransport,
    spin: SpinBudget | undefined,
  ) {
    this.#server = server;
    this.#transport = transport;
    this.#spin = spin;
  }

  onClose(fn: () => void): void {
    if (this.#closed) fn();
    else this.#onClose.push(fn);
  }

  async run(): Promise<void> {
    try {
      while (true) {
        const frame = this.#spinRecv() ?? await this.#transport.recv();
        if (frame === null) break;
        if (frame.tag === ManagerTag.cancel) {
          const [id] = decodeBody(frame.payload) as [number];
          this.#calls.get(id)?.abort(
            new DOMException("The caller cancelled the call", "AbortError"),
          );
          continue;
        }
        if (frame.tag !== ManagerTag.request) break;
        const raw = decode(frame.payload);
        const request = unwrap(raw);
        if (!isRequest(request)) break;
        let revived: Request;
        try {
          revived = fromTransferable(raw) as Request;
        } catch (error) {
          this.#reply(request[0], 1, error);
          continue;
        }
        this.#handle(revived);
      }
    } catch {
      // a malformed frame or body: drop this client, keep serving others
    } finally {
      this.close();
    }
  }

  /** On a lane, spins briefly for the next request (see `SpinBudget`). */
  #spinRecv(): Frame | undefined {
    const budget = this.#spin?.next() ?? 0;
    if (budget === 0) return undefined;
    const frame = (this.#transport as LocalTransport).spinRecv(budget);
    if (frame === undefined) this.#spin!.miss();
    else this.#spin!.hit();
    return frame;
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
    this.#calls.set(callId, controller);
    result.then(
      (value) => this.#reply(callId, 0, value),
      (error) => this.#reply(callId, 1, error),
    ).finally(() => this.#calls.delete(callId));
  }

  #reply(callId: number, failed: 0 | 1, value: unknown): void {
    if (this.#closed) return;
    let body: Uint8Array;
    try {
      body = encodeBody([callId, failed, value], "result");
    } catch (error) {
      body = encodeBody([callId, 1, error], "result");
    }
    this.#transport.send(ManagerTag.response, body).catch(() => this.close());
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
