/**
 * How a Manager client reaches its server: over the shared-memory lane of
 * `_local_ring.ts` when the server runs in this OS process (found through
 * its door, `_local_door.ts`), otherwise over an authenticated socket.
 *
 * A server in this process whose beacon says it is gone is not dialed at
 * all, not even by socket: its listener may still take a connection while
 * its Worker is torn down, and that connection would only fail later, in
 * the middle of the handshake. Every failure to reach the server is a
 * `ConnectionClosedError` (a server hanging up during the handshake too),
 * except a refused authkey (`AuthenticationError`).
 *
 * @module
 */
import {
  type Address,
  checkSocketOptions,
  dialSocket,
} from "./_socket_endpoint.ts";
import type { SocketTransport } from "./_socket_transport.ts";
import type { LocalTransport } from "./_local_ring.ts";
import {
  isInThisProcess,
  isKnownGone,
  isOnThisThread,
  knock,
} from "./_local_door.ts";
import { ConnectionClosedError } from "./connection.ts";

/** Where a manager is and how to authenticate to it. */
export interface ManagerRef {
  /** The server's address. */
  address: Address;
  /** The authkey, if the server has one. */
  authkey: Uint8Array | undefined;
  /** The server's same-process name, if known (see `_local_door.ts`). */
  local?: string | undefined;
}

/** A connection to a server: a socket, or a same-process lane. */
export type ChannelTransport = SocketTransport | LocalTransport;

/** What `dialManager` reached. */
export interface Dialed {
  /** The connection. */
  transport: ChannelTransport;
  /** Whether it is a same-process lane. */
  lane: boolean;
  /** Whether the server runs on this very thread (a lane never blocks). */
  sameThread: boolean;
}

/**
 * Whether a failed handshake is the server hanging up (it is shutting down
 * or died) rather than refusing the authkey: the handshake reports both as
 * `AuthenticationError`, a hang-up with a connection error as its cause.
 */
function hungUp(error: Error): boolean {
  const cause = error.cause;
  return cause instanceof Deno.errors.ConnectionReset ||
    cause instanceof Deno.errors.ConnectionAborted ||
    cause instanceof Deno.errors.BrokenPipe ||
    cause instanceof Deno.errors.UnexpectedEof ||
    cause instanceof ConnectionClosedError ||
    /closed the connection/.test(error.message);
}

/** `"host:port"` or the socket path, for messages. */
export function describeAddress(address: Address): string {
  return "path" in address
    ? address.path
    : `${address.hostname}:${address.port}`;
}

/**
 * Connects to the manager `ref` names; `what` names the call in errors.
 *
 * @throws {ConnectionClosedError} when the server is gone or unreachable.
 * @throws {AuthenticationError} when it refuses the authkey.
 */
export async function dialManager(
  ref: ManagerRef,
  what: string,
): Promise<Dialed> {
  const local = ref.local;
  try {
    if (local !== undefined && isInThisProcess(local)) {
      if (isKnownGone(local)) {
        throw new ConnectionClosedError(
          `Cannot call ${what}() as the manager's server in this process is gone`,
        );
      }
      const lane = await knock(local, ref.authkey);
      if (lane !== undefined) {
        return {
          transport: lane,
          lane: true,
          sameThread: isOnThisThread(local),
        };
      }
    }
    const checked = checkSocketOptions({
      address: ref.address,
      insecure: true,
      ...(ref.authkey === undefined ? {} : { authkey: ref.authkey }),
    }, "connect to Manager");
    const socket = await dialSocket(checked);
    return { transport: socket, lane: false, sameThread: false };
  } catch (error) {
    if (error instanceof ConnectionClosedError) throw error;
    if (
      error instanceof Error && error.name === "AuthenticationError" &&
      !hungUp(error)
    ) throw error;
    throw new ConnectionClosedError(
      `Cannot call ${what}() as the manager at ${
        describeAddress(ref.address)
      } is unreachable`,
      { cause: error },
    );
  }
}
