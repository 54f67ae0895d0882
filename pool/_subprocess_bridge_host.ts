/**
 * The parent side of the subprocess bridge: a `Queue` (any kind) or a pipe
 * end sent to a `"subprocess"` child stays in the parent, and the child
 * gets a stand-in (`_subprocess_bridge.ts`) whose calls arrive here as
 * `BRIDGE` frames and run on the real object. Its one mechanism: run a
 * child's calls so that a child's death loses and duplicates nothing.
 *
 * - Sending: `_transfer.ts` asks `bridge()` to describe a shareable over
 *   shared memory that is going to another process. A queue or pipe end is
 *   entered in one table per parent (the same object keeps its id, and stays
 *   in the table while the parent runs) and crosses as its id.
 * - A call that waits (`get`, `recv`, …) runs with a signal that aborts when
 *   the child ends, so a dead child's wait takes nothing off the queue.
 * - An item the parent took for a child (`get`, `tryGet`, `recv`,
 *   `recvBytes`) is held until the child answers `ack` (it has the item: it
 *   writes that synchronously before user code sees the item) or `nack`
 *   (its caller gave up). An item still held when the child has ended, or
 *   `nack`ed, is put back into a queue (at the back: a queue has no front
 *   door; a `JoinableQueue` gets a `taskDone()` for it so its count stays
 *   right). A pipe cannot take a message back: that one is lost, in the
 *   window between the parent's read and the child's death.
 *
 * @module
 */
import { Connection } from "../ipc/connection.ts";
import { Queue } from "../ipc/queue.ts";
import { JoinableQueue } from "../ipc/joinable_queue.ts";
import { serializeError, setCrossProcessBridge } from "../ipc/_transfer.ts";
import type { Shareable } from "../sync/_shareable.ts";
import {
  type BridgeCall,
  encodeBridge,
  REPLY,
} from "./_subprocess_protocol.ts";

/** The kind a bridged queue crosses as. */
export const BRIDGED_QUEUE = "pool.BridgedQueue";
/** The kind a bridged pipe end crosses as. */
export const BRIDGED_CONNECTION = "pool.BridgedConnection";

/** What a bridged object's stand-in is told about it. */
export interface BridgeData {
  /** Its id in the parent's table. */
  id: number;
  /** Its own kind, e.g. `"ipc.JoinableQueue"`. */
  kind: string;
  /** A queue's `maxsize` (0 for a pipe end). */
  maxsize: number;
  /** A pipe end's `readable` and `writable`. */
  readable: boolean;
  writable: boolean;
}

const objects = new Map<number, Queue<unknown> | Connection<unknown>>();
const ids = new Map<object, number>();
let nextId = 1;

function bridge(
  obj: Shareable,
  kind: string,
): { kind: string; data: BridgeData } | undefined {
  const isQueue = obj instanceof Queue;
  if (!isQueue && !(obj instanceof Connection)) return undefined;
  let id = ids.get(obj);
  if (id === undefined) {
    id = nextId++;
    ids.set(obj, id);
    objects.set(id, obj);
  }
  const data: BridgeData = isQueue
    ? { id, kind, maxsize: obj.maxsize, readable: false, writable: false }
    : { id, kind, maxsize: 0, readable: obj.readable, writable: obj.writable };
  return { kind: isQueue ? BRIDGED_QUEUE : BRIDGED_CONNECTION, data };
}

setCrossProcessBridge(bridge);

/** The ops that take an item off the object. */
const TAKES = new Set(["get", "tryGet", "recv", "recvBytes"]);

/** The calls one child makes on bridged objects. */
export class BridgeHost {
  readonly #write: (frame: Uint8Array) => void;
  readonly #ended = new AbortController();
  /** Items taken for the child and not yet acknowledged, by call id. */
  readonly #held = new Map<number, { obj: object; item: unknown }>();

  /** @param write Sends a frame to the child. */
  constructor(write: (frame: Uint8Array) => void) {
    this.#write = write;
  }

  /** Runs one call from the child and answers it. */
  call(call: BridgeCall): void {
    if (call.op === "ack" || call.op === "nack") {
      const held = this.#held.get(call.c);
      this.#held.delete(call.c);
      if (held !== undefined && call.op === "nack") putBack(held);
      return;
    }
    const obj = objects.get(call.o);
    void this.#run(call, obj).then(
      (v) => {
        if (this.#ended.signal.aborted) {
          // The child is gone: whatever was taken for it goes back.
          if (TAKES.has(call.op) && obj !== undefined) {
            if (call.op !== "tryGet") putBack({ obj, item: v });
            else if ((v as { ok: boolean }).ok) {
              putBack({ obj, item: (v as { value: unknown }).value });
            }
          }
          return;
        }
        const took = TAKES.has(call.op) &&
          (call.op !== "tryGet" || (v as { ok: boolean }).ok);
        if (took && obj !== undefined) {
          this.#held.set(call.c, {
            obj,
            item: call.op === "tryGet" ? (v as { value: unknown }).value : v,
          });
        }
        this.#reply({ c: call.c, ok: true, v });
      },
      (error) => {
        if (!this.#ended.signal.aborted) {
          this.#reply({ c: call.c, ok: false, e: serializeError(error) });
        }
      },
    );
  }

  /** The child has ended: its waits stop, its unacknowledged items go back. */
  end(): void {
    this.#ended.abort(new Error("The subprocess child ended"));
    for (const held of this.#held.values()) putBack(held);
    this.#held.clear();
  }

  #reply(reply: unknown): void {
    let bytes: Uint8Array;
    try {
      bytes = encodeBridge(REPLY, reply);
    } catch (error) {
      const c = (reply as { c: number }).c;
      bytes = encodeBridge(REPLY, { c, ok: false, e: serializeError(error) });
    }
    this.#write(bytes);
  }

  // deno-lint-ignore require-await
  async #run(
    call: BridgeCall,
    obj: Queue<unknown> | Connection<unknown> | undefined,
  ): Promise<unknown> {
    if (obj === undefined) {
      throw new TypeError(
        `Cannot call ${call.op}() on a bridged object as the parent has no object ${call.o}`,
      );
    }
    const first = call.a[0];
    // A waiting call's options (only `timeout` crosses) are its last argument.
    const wait = { signal: this.#ended.signal, ...timeoutOf(call.a.at(-1)) };
    if (obj instanceof Queue) {
      switch (call.op) {
        case "put":
          return obj.put(first, wait);
        case "tryPut":
          return obj.tryPut(first);
        case "get":
          return obj.get(wait);
        case "tryGet":
          return obj.tryGet();
        case "qsize":
          return obj.qsize();
        case "empty":
          return obj.empty();
        case "full":
          return obj.full();
        case "close":
          return obj.close();
        case "closed":
          return obj.closed;
        case "taskDone":
          return joinable(obj, call.op).taskDone();
        case "join":
          return joinable(obj, call.op).join(wait);
        case "unfinished":
          return joinable(obj, call.op).unfinished;
      }
    } else {
      switch (call.op) {
        case "send":
          return obj.send(first, wait);
        case "sendBytes":
          return obj.sendBytes(first as Uint8Array, wait);
        case "recv":
          return obj.recv(wait);
        case "recvBytes":
          return obj.recvBytes(wait);
        case "poll":
          return obj.poll(wait);
        case "close":
          return obj.close();
        case "closed":
          return obj.closed;
      }
    }
    throw new TypeError(
      `Cannot call ${call.op}() on a bridged object as it has no such method`,
    );
  }
}

function timeoutOf(options: unknown): { timeout?: number } {
  const timeout = (options as { timeout?: unknown } | undefined)?.timeout;
  return typeof timeout === "number" ? { timeout } : {};
}

function joinable(obj: Queue<unknown>, op: string): JoinableQueue<unknown> {
  if (obj instanceof JoinableQueue) return obj;
  throw new TypeError(
    `Cannot call ${op}() on a bridged queue as it is not a JoinableQueue`,
  );
}

/** Puts an item a child will never see back into its queue. */
function putBack(held: { obj: object; item: unknown }): void {
  const { obj, item } = held;
  if (!(obj instanceof Queue) || obj.closed) return;
  const restore = (): void => {
    if (obj instanceof JoinableQueue) obj.taskDone();
  };
  if (obj.tryPut(item)) restore();
  else obj.put(item).then(restore, () => {});
}
