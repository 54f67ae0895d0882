/**
 * How a Manager client finds the fast lane (`_local_ring.ts`) to a server
 * in its own OS process.
 *
 * A server opens a door: a `BroadcastChannel` named after a random token,
 * which it publishes (with its process id) in every proxy reference as
 * `local: "<pid>:<token>"`. A client thread in the same process allocates
 * a lane, posts it with its authkey through the door, and waits briefly for
 * the server to attach (state word 1) or refuse (-1, a wrong key). If no
 * server answers in time (it stopped, or the reference came from another
 * process with a reused pid), the client uses the socket instead.
 *
 * @module
 */
import { AuthenticationError, timingSafeEqual } from "./_auth.ts";
import { createLaneBuffer, LocalState, LocalTransport } from "./_local_ring.ts";

const PREFIX = "@mp/multiprocessing/manager/";
const ATTACH_TIMEOUT_MS = 2_000;

/** Tokens of the servers running on this thread. */
const here = new Set<string>();

/** Whether the server `local` names runs on this very thread. */
export function isOnThisThread(local: string): boolean {
  return here.has(local);
}

/** Whether `local` names a server in this OS process. */
export function isInThisProcess(local: string | undefined): boolean {
  return local !== undefined && local.startsWith(`${Deno.pid}:`);
}

/**
 * Opens the door of a server; `onLane` receives each attached lane.
 * Returns the server's `local` name and a function that closes the door.
 */
export function openDoor(
  key: Uint8Array | undefined,
  onLane: (lane: LocalTransport) => void,
): { local: string; close(): void } {
  const token = crypto.randomUUID();
  const local = `${Deno.pid}:${token}`;
  const channel = new BroadcastChannel(PREFIX + token);
  channel.onmessage = (event: MessageEvent) => {
    const { buffer, authkey } = (event.data ?? {}) as {
      buffer?: unknown;
      authkey?: unknown;
    };
    if (!(buffer instanceof SharedArrayBuffer)) return;
    const lane = new LocalTransport(buffer, "server");
    const given = authkey instanceof Uint8Array ? authkey : undefined;
    const ok = key === undefined
      ? given === undefined
      : given !== undefined && timingSafeEqual(given, key);
    if (!ok) {
      lane.setState(LocalState.refused);
      return;
    }
    lane.setState(LocalState.attached);
    onLane(lane);
  };
  here.add(local);
  return {
    local,
    close() {
      here.delete(local);
      channel.close();
    },
  };
}

/**
 * Asks the server `local` names for a lane. Returns `undefined` when no
 * server attaches in time.
 *
 * @throws {AuthenticationError} when the server refuses the authkey.
 */
export async function knock(
  local: string,
  key: Uint8Array | undefined,
): Promise<LocalTransport | undefined> {
  const token = local.slice(local.indexOf(":") + 1);
  const buffer = createLaneBuffer();
  const lane = new LocalTransport(buffer, "client");
  const channel = new BroadcastChannel(PREFIX + token);
  channel.postMessage({ buffer, authkey: key });
  channel.close();
  const state = await lane.waitState(LocalState.asked, ATTACH_TIMEOUT_MS);
  if (state === LocalState.attached) return lane;
  if (state === LocalState.refused) {
    throw new AuthenticationError(
      "Cannot authenticate to the manager as it refused the authkey: check that both sides use the same authkey",
    );
  }
  lane.close();
  return undefined;
}
