/**
 * The client side of the Manager protocol: one authenticated socket per
 * manager (address + authkey) per thread, shared by every proxy of that
 * manager in the thread, with calls multiplexed by id.
 *
 * A channel dials lazily, on its first call (`_manager_dial.ts`), which is
 * how a proxy revived in another Worker, process or machine reconnects.
 * When the server runs in the same OS process, the channel takes the
 * shared-memory lane of `_local_ring.ts` instead of the socket.
 *
 * On a lane, a call spins briefly (when timing shows it helps), then blocks
 * its thread for the answer (`Atomics.wait`, at most `CALL_BLOCK_MICROS`,
 * while that pays off; see `_local_budget.ts`): at most one thread wake-up per answer
 * instead of a turn of the event loop, and no reader parked while calls
 * complete that way. The server nudges the caller out of the block when
 * the call will wait there (`queue.get()`, `lock.acquire()` …). Only a
 * call still unanswered after the block starts the parked reader, which
 * stops again once no call is pending. (A channel to a server on its own
 * thread never spins nor blocks.)
 *
 * While calls are in flight the socket keeps the process alive; when none
 * are, it is unref'd, so an idle proxy never keeps a program from exiting.
 * When the socket or lane ends (the server stopped or died, even without
 * closing the lane: see `_local_beacon.ts`), every pending call rejects
 * with `ConnectionClosedError` and the channel forgets the transport: the
 * next call dials again. A call whose `signal` aborts rejects at once and
 * tells the server to cancel its wait.
 *
 * @module
 */
import type { SocketTransport } from "./_socket_transport.ts";
import type { LocalTransport } from "./_local_ring.ts";
import { SpinBudget, SpinTrial, WaitBudget } from "./_local_budget.ts";
import {
  type ChannelTransport,
  describeAddress,
  dialManager,
  type ManagerRef,
} from "./_manager_dial.ts";
import type { Frame } from "./_wire.ts";
import {
  decodeBody,
  encodeBody,
  encodeBodyScratch,
  isResponse,
  ManagerTag,
} from "./_manager_protocol.ts";
import { ConnectionClosedError } from "./connection.ts";
import { setCaller } from "./_proxy_reference.ts";

export type { ManagerRef };

/** Most microseconds a call blocks for its answer over a same-process lane. */
const CALL_BLOCK_MICROS = 10_000;
/** Most microseconds a call spins for its answer before blocking. */
const CALL_SPIN_MICROS = 20;

/** Options of one call. */
export interface CallOptions {
  /** Abort the call; rejects with `signal.reason`. */
  signal?: AbortSignal | undefined;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  what: string;
}

/** A multiplexed connection to one manager; see the module note. */
export class Channel {
  readonly key: string;
  #ref: ManagerRef;
  #transport: ChannelTransport | undefined;
  #dialing: Promise<ChannelTransport> | undefined;
  #lane: LocalTransport | undefined;
  #budget: WaitBudget | undefined;
  #spin = new SpinBudget(CALL_SPIN_MICROS);
  #trial = new SpinTrial();
  #reading = false;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed = false;

  constructor(key: string, ref: ManagerRef) {
    this.key = key;
    this.#ref = ref;
  }

  /** Calls `method` on object `objectId` of the server. */
  call(
    objectId: number,
    method: string,
    args: unknown[],
    options: CallOptions = {},
    what = method,
  ): Promise<unknown> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#closed) {
      return Promise.reject(
        new ConnectionClosedError(
          `Cannot call ${what}() as this manager connection was closed`,
        ),
      );
    }
    const id = this.#nextId++;
    const body = [id, objectId, method, args];
    if (this.#lane?.closed) this.#drop(undefined); // a gone server: redial
    const transport = this.#transport;
    if (transport !== undefined) {
      return this.#send(transport, id, body, undefined, signal, what);
    }
    let request: Uint8Array;
    try {
      request = encodeBody(body, "args");
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#connect(what).then((connected) =>
      this.#send(connected, id, body, request, signal, what)
    );
  }

  /**
   * Sends call `id` (`body`, or its encoding `request`) and settles with
   * its answer. On a lane the request is written straight from the
   * codec's scratch buffer, and the call blocks briefly for the answer.
   */
  #send(
    transport: ChannelTransport,
    id: number,
    body: unknown[],
    request: Uint8Array | undefined,
    signal: AbortSignal | undefined,
    what: string,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const lane = transport === this.#lane ? this.#lane : undefined;
      let sent = false;
      if (lane !== undefined && request !== undefined) {
        sent = lane.trySend(ManagerTag.request, request);
      } else if (lane !== undefined) {
        const scratch = encodeBodyScratch(body, "args"); // throws: rejects
        sent = lane.trySend(ManagerTag.request, scratch.buf, scratch.length);
        if (!sent) request = scratch.buf.slice(0, scratch.length);
      }
      request ??= encodeBody(body, "args");
      if (signal === undefined) {
        this.#pending.set(id, { resolve, reject, what });
      } else {
        const onAbort = () => {
          if (!this.#pending.delete(id)) return;
          this.#idle();
          transport.send(ManagerTag.cancel, encodeBody([id], "id")).catch(
            () => {},
          );
          reject(signal.reason);
        };
        const settle = <V>(fn: (v: V) => void) => (v: V) => {
          signal.removeEventListener("abort", onAbort);
          fn(v);
        };
        this.#pending.set(id, {
          resolve: settle(resolve),
          reject: settle(reject),
          what,
        });
        signal.addEventListener("abort", onAbort, { once: true });
      }
      if (this.#pending.size === 1) transport.ref();
      if (!sent) {
        transport.send(ManagerTag.request, request).catch((error) => {
          if (this.#pending.delete(id)) {
            this.#idle();
            reject(this.#closedError(what, error));
          }
        });
      }
      // Block only for a request written whole: the rest of a streamed
      // one is written by the event loop, which a block would hold up.
      if (lane !== undefined) {
        if (sent) this.#await(id, lane);
        else this.#readLane(lane);
      }
    });
  }

  /**
   * Blocks for the answer to call `id` on `lane` (see the module note),
   * then leaves it to the parked reader if it has not come.
   */
  #await(id: number, lane: LocalTransport): void {
    const micros = this.#budget?.next() ?? 0;
    if (micros > 0) {
      const nudges = lane.nudges;
      const start = performance.now();
      const end = start + micros / 1000;
      const spin = this.#trial.spinning ? this.#spin : undefined;
      try {
        while (this.#pending.has(id)) {
          const left = (end - performance.now()) * 1000;
          const frame = left > 0
            ? lane.recvSync(left, nudges, spin)
            : undefined;
          if (frame === undefined) break;
          this.#dispatch(frame);
        }
      } catch (error) {
        if (this.#transport === lane) this.#drop(error);
        return;
      }
      if (!this.#pending.has(id)) {
        this.#budget!.hit();
        this.#trial.record(performance.now() - start);
        return;
      }
      // A nudge means the call waits on the server: not a miss.
      if (lane.nudges === nudges && !lane.closed) this.#budget!.miss();
    }
    this.#readLane(lane);
  }

  /** Reads `lane` while calls are pending on it. */
  async #readLane(lane: LocalTransport): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    let ended = false;
    let failure: unknown;
    try {
      while (this.#pending.size > 0 && this.#transport === lane) {
        const frame = await lane.recv();
        if (frame === null) {
          ended = true;
          break;
        }
        this.#dispatch(frame);
      }
    } catch (error) {
      ended = true;
      failure = error;
    } finally {
      this.#reading = false;
    }
    if (ended && this.#transport === lane) this.#drop(failure);
  }

  /** Learns the server's same-process name, if not connected yet. */
  learnLocal(local: string | undefined): void {
    if (local !== undefined && this.#transport === undefined) {
      this.#ref = { ...this.#ref, local };
    }
  }

  /** Closes the socket; pending calls reject. Later calls fail. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    channels.delete(this.key);
    this.#drop(undefined);
  }

  #closedError(what: string, cause?: unknown): ConnectionClosedError {
    return new ConnectionClosedError(
      `Cannot complete ${what}() as the connection to the manager at ${
        describeAddress(this.#ref.address)
      } closed`,
      cause === undefined ? undefined : { cause },
    );
  }

  #idle(): void {
    if (this.#pending.size === 0) this.#transport?.unref();
  }

  #connect(what: string): Promise<ChannelTransport> {
    if (this.#transport !== undefined) {
      return Promise.resolve(this.#transport);
    }
    this.#dialing ??= (async () => {
      try {
        const dialed = await dialManager(this.#ref, what);
        if (this.#closed) {
          dialed.transport.close();
          throw this.#closedError(what);
        }
        this.#transport = dialed.transport;
        if (dialed.lane) {
          this.#lane = dialed.transport as LocalTransport;
          this.#budget = dialed.sameThread
            ? undefined
            : new WaitBudget(CALL_BLOCK_MICROS);
        } else {
          const socket = dialed.transport as SocketTransport;
          socket.unref();
          this.#read(socket);
        }
        return dialed.transport;
      } finally {
        this.#dialing = undefined;
      }
    })();
    return this.#dialing;
  }

  async #read(transport: SocketTransport): Promise<void> {
    let failure: unknown;
    try {
      while (true) {
        const frame = await transport.recv();
        if (frame === null) break;
        this.#dispatch(frame);
      }
    } catch (error) {
      failure = error;
    }
    if (this.#transport === transport) this.#drop(failure);
  }

  /** Settles the call a response frame answers; throws if malformed. */
  #dispatch(frame: Frame): void {
    if (frame.tag !== ManagerTag.response) {
      throw new TypeError(
        `Cannot read manager response as frame tag ${frame.tag} is unexpected`,
      );
    }
    const response = decodeBody(frame.payload);
    if (!isResponse(response)) {
      throw new TypeError("Cannot read manager response as it is malformed");
    }
    const [id, failed, value] = response;
    const pending = this.#pending.get(id);
    if (pending === undefined) return; // cancelled
    this.#pending.delete(id);
    this.#idle();
    if (failed) pending.reject(value);
    else pending.resolve(value);
  }

  #drop(cause: unknown): void {
    const transport = this.#transport;
    this.#transport = this.#lane = undefined;
    transport?.close();
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(this.#closedError(p.what, cause));
  }
}

const channels = new Map<string, Channel>();
/** Channel keys of the references proxies hold, computed once each. */
const keys = new WeakMap<ManagerRef, string>();

function keyOf(ref: ManagerRef): string {
  let key = keys.get(ref);
  if (key === undefined) {
    const secret = ref.authkey === undefined ? "" : Array.from(
      ref.authkey,
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    key = `${JSON.stringify(ref.address)}#${secret}`;
    keys.set(ref, key);
  }
  return key;
}

/** This thread's channel to the manager `ref` names (made on first use). */
export function channelFor(ref: ManagerRef): Channel {
  const key = keyOf(ref);
  let channel = channels.get(key);
  if (channel === undefined) {
    channel = new Channel(key, ref);
    channels.set(key, channel);
  } else {
    channel.learnLocal(ref.local);
  }
  return channel;
}

/** Closes this thread's channel to the manager `ref` names, if any. */
export function closeChannel(ref: ManagerRef): void {
  channels.get(keyOf(ref))?.close();
}

setCaller((ref, method, args, signal) =>
  channelFor(ref).call(
    ref.id,
    method,
    args,
    { signal },
    `${ref.typeId}.${method}`,
  )
);
