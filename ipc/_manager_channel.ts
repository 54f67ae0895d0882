/**
 * The client side of the Manager protocol: one authenticated socket per
 * manager (address + authkey) per thread, shared by every proxy of that
 * manager in the thread, with calls multiplexed by id.
 *
 * A channel dials lazily, on its first call, which is how a proxy revived
 * in another Worker, process or machine reconnects. When the server runs
 * in the same OS process, the channel takes the shared-memory lane of
 * `_local_ring.ts` instead of the socket, and spins briefly for each
 * answer. While calls are in
 * flight the socket keeps the process alive; when none are, it is unref'd,
 * so an idle proxy never keeps a program from exiting. When the socket
 * ends (the server stopped or died), every pending call rejects with
 * `ConnectionClosedError` and the channel forgets the socket: the next call
 * dials again. A call whose `signal` aborts rejects at once and tells the
 * server to cancel its wait.
 *
 * @module
 */
import {
  type Address,
  checkSocketOptions,
  dialSocket,
} from "./_socket_endpoint.ts";
import type { SocketTransport } from "./_socket_transport.ts";
import { type LocalTransport, SpinBudget } from "./_local_ring.ts";
import { isInThisProcess, isOnThisThread, knock } from "./_local_door.ts";
import type { Frame } from "./_wire.ts";
import {
  decodeBody,
  encodeBody,
  isResponse,
  ManagerTag,
} from "./_manager_protocol.ts";
import { ConnectionClosedError } from "./connection.ts";
import { setCaller } from "./_proxy_reference.ts";

/** Where a manager is and how to authenticate to it. */
export interface ManagerRef {
  /** The server's address. */
  address: Address;
  /** The authkey, if the server has one. */
  authkey: Uint8Array | undefined;
  /** The server's same-process name, if known (see `_local_door.ts`). */
  local?: string | undefined;
}

type ChannelTransport = SocketTransport | LocalTransport;

/** Most microseconds a call spins for its answer over a same-process lane. */
const CALL_SPIN_MICROS = 100;

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

function describeAddress(address: Address): string {
  return "path" in address
    ? address.path
    : `${address.hostname}:${address.port}`;
}

/** A multiplexed connection to one manager; see the module note. */
export class Channel {
  readonly key: string;
  #ref: ManagerRef;
  #transport: ChannelTransport | undefined;
  #dialing: Promise<ChannelTransport> | undefined;
  #spin: SpinBudget | undefined;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed = false;

  constructor(key: string, ref: ManagerRef) {
    this.key = key;
    this.#ref = ref;
  }

  /** Calls `method` on object `objectId` of the server. */
  async call(
    objectId: number,
    method: string,
    args: unknown[],
    options: CallOptions = {},
    what = method,
  ): Promise<unknown> {
    const { signal } = options;
    signal?.throwIfAborted();
    if (this.#closed) {
      throw new ConnectionClosedError(
        `Cannot call ${what}() as this manager connection was closed`,
      );
    }
    const id = this.#nextId++;
    const request = encodeBody([id, objectId, method, args], "args");
    const transport = this.#transport ?? await this.#connect(what);
    return await new Promise((resolve, reject) => {
      const onAbort = () => {
        if (!this.#pending.delete(id)) return;
        this.#idle();
        transport.send(ManagerTag.cancel, encodeBody([id], "id")).catch(
          () => {},
        );
        reject(signal!.reason);
      };
      const settle = <V>(fn: (v: V) => void) => (v: V) => {
        signal?.removeEventListener("abort", onAbort);
        fn(v);
      };
      this.#pending.set(id, {
        resolve: settle(resolve),
        reject: settle(reject),
        what,
      });
      signal?.addEventListener("abort", onAbort, { once: true });
      if (this.#pending.size === 1) transport.ref();
      transport.send(ManagerTag.request, request).catch((error) => {
        if (this.#pending.delete(id)) {
          this.#idle();
          reject(this.#closedError(what, error));
        }
      });
      const budget = this.#spin?.next() ?? 0;
      if (budget > 0) {
        // Same process, another thread: the answer usually comes within
        // microseconds, sooner than a thread wake-up would deliver it.
        const frame = (transport as LocalTransport).spinRecv(budget);
        if (frame !== undefined) {
          this.#spin!.hit();
          this.#dispatch(frame);
        } else this.#spin!.miss();
      }
    });
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
        const local = this.#ref.local;
        if (isInThisProcess(local)) {
          const lane = await knock(local!, this.#ref.authkey);
          if (lane !== undefined) {
            if (this.#closed) {
              lane.close();
              throw this.#closedError(what);
            }
            this.#transport = lane;
            this.#spin = isOnThisThread(local!)
              ? undefined
              : new SpinBudget(CALL_SPIN_MICROS);
            this.#read(lane);
            return lane;
          }
        }
        const checked = checkSocketOptions({
          address: this.#ref.address,
          insecure: true,
          ...(this.#ref.authkey === undefined
            ? {}
            : { authkey: this.#ref.authkey }),
        }, "connect to Manager");
        const transport = await dialSocket(checked);
        if (this.#closed) {
          transport.close();
          throw this.#closedError(what);
        }
        this.#transport = transport;
        transport.unref();
        this.#read(transport);
        return transport;
      } catch (error) {
        if (error instanceof ConnectionClosedError) throw error;
        if (error instanceof Error && error.name === "AuthenticationError") {
          throw error;
        }
        throw new ConnectionClosedError(
          `Cannot call ${what}() as the manager at ${
            describeAddress(this.#ref.address)
          } is unreachable`,
          { cause: error },
        );
      } finally {
        this.#dialing = undefined;
      }
    })();
    return this.#dialing;
  }

  async #read(transport: ChannelTransport): Promise<void> {
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
    this.#transport = undefined;
    transport?.close();
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(this.#closedError(p.what, cause));
  }
}

const channels = new Map<string, Channel>();

function keyOf(ref: ManagerRef): string {
  const key = ref.authkey === undefined ? "" : Array.from(
    ref.authkey,
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  return `${JSON.stringify(ref.address)}#${key}`;
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
