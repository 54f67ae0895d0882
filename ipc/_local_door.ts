/**
 * How a Manager client finds the fast lane (`_local_ring.ts`) to a server
 * in its own OS process.
 *
 * A server opens a door: a `BroadcastChannel` named after a random token,
 * which it publishes (with its process id) in every proxy reference as
 * `local: "<pid>:<token>"`. A client thread in the same process allocates
 * a lane, writes its agent id in it, and posts it with its authkey and a
 * random id through the door; the server answers on the same channel with
 * that id, whether it attached the lane, and its beacon
 * (`_local_beacon.ts`), which the lane then watches. If no server answers
 * in time (it stopped, or the reference came from another process with a
 * reused pid), the client uses the socket instead. A server whose beacon
 * says it is gone is not asked again: its clients know it is gone.
 *
 * @module
 */
import { agentId } from "../sync/_agent.ts";
import { AuthenticationError, timingSafeEqual } from "./_auth.ts";
import { isGone } from "./_local_beacon.ts";
import { createLaneBuffer, LocalState, LocalTransport } from "./_local_ring.ts";

const PREFIX = "@mp/multiprocessing/manager/";
const ATTACH_TIMEOUT_MS = 2_000;

/** Tokens of the servers running on this thread. */
const here = new Set<string>();

/** Beacons of the servers this thread reached, by `local` name. */
const beacons = new Map<string, Int32Array>();

interface Knock {
  id: string;
  buffer: SharedArrayBuffer;
  authkey: Uint8Array | undefined;
}

interface Answer {
  reply: string;
  ok: boolean;
  beacon: SharedArrayBuffer;
}

/** Whether the server `local` names runs on this very thread. */
export function isOnThisThread(local: string): boolean {
  return here.has(local);
}

/** Whether the server `local` names is known to be gone (see `knock`). */
export function isKnownGone(local: string): boolean {
  const beacon = beacons.get(local);
  return beacon !== undefined && isGone(beacon);
}

/** Whether `local` names a server in this OS process. */
export function isInThisProcess(local: string | undefined): boolean {
  return local !== undefined && local.startsWith(`${Deno.pid}:`);
}

/**
 * Opens the door of a server whose beacon is `beacon`; `onLane` receives
 * each attached lane. Returns the server's `local` name and a function
 * that closes the door.
 */
export function openDoor(
  key: Uint8Array | undefined,
  beacon: Int32Array,
  onLane: (lane: LocalTransport) => void,
): { local: string; close(): void } {
  const token = crypto.randomUUID();
  const local = `${Deno.pid}:${token}`;
  const channel = new BroadcastChannel(PREFIX + token);
  channel.onmessage = (event: MessageEvent) => {
    const { id, buffer, authkey } = (event.data ?? {}) as Partial<Knock>;
    if (typeof id !== "string" || !(buffer instanceof SharedArrayBuffer)) {
      return;
    }
    const lane = new LocalTransport(buffer, "server");
    lane.watch(beacon);
    const given = authkey instanceof Uint8Array ? authkey : undefined;
    const ok = key === undefined
      ? given === undefined
      : given !== undefined && timingSafeEqual(given, key);
    const answer: Answer = {
      reply: id,
      ok,
      beacon: beacon.buffer as SharedArrayBuffer,
    };
    channel.postMessage(answer);
    lane.setState(ok ? LocalState.attached : LocalState.refused);
    if (ok) onLane(lane);
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

/** Waits for the answer to knock `id` on `channel`, or `undefined`. */
function answerOf(
  channel: BroadcastChannel,
  id: string,
): Promise<Answer | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ATTACH_TIMEOUT_MS);
    channel.onmessage = (event: MessageEvent) => {
      const answer = event.data as Partial<Answer> | null;
      if (
        answer?.reply !== id || typeof answer.ok !== "boolean" ||
        !(answer.beacon instanceof SharedArrayBuffer)
      ) return;
      clearTimeout(timer);
      resolve(answer as Answer);
    };
  });
}

/**
 * Asks the server `local` names for a lane. Returns `undefined` when no
 * server attaches in time, or when it is known to be gone.
 *
 * @throws {AuthenticationError} when the server refuses the authkey.
 */
export async function knock(
  local: string,
  key: Uint8Array | undefined,
): Promise<LocalTransport | undefined> {
  if (isKnownGone(local)) return undefined;
  const token = local.slice(local.indexOf(":") + 1);
  const buffer = createLaneBuffer();
  const lane = new LocalTransport(buffer, "client");
  lane.clientAgent = agentId();
  const channel = new BroadcastChannel(PREFIX + token);
  const id = crypto.randomUUID();
  let answer: Answer | undefined;
  try {
    const answered = answerOf(channel, id);
    const message: Knock = { id, buffer, authkey: key };
    channel.postMessage(message);
    answer = await answered;
  } finally {
    channel.close();
  }
  if (answer === undefined) {
    lane.close();
    return undefined;
  }
  const beacon = new Int32Array(answer.beacon);
  beacons.set(local, beacon);
  if (!answer.ok) {
    throw new AuthenticationError(
      "Cannot authenticate to the manager as it refused the authkey: check that both sides use the same authkey",
    );
  }
  lane.watch(beacon);
  return lane;
}
