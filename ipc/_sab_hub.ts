/**
 * The SAB hub: how a `SharedArrayBuffer` crosses a ring (a `Queue`, a pipe
 * `Connection`), whose messages are bytes.
 *
 * Every agent (the main thread, each worker this package started) keeps a
 * table id → `SharedArrayBuffer`. The encoder writes a buffer as its id
 * (`publishSab`): the first time an agent writes a buffer it gives it a
 * fresh id from the tree's counter and posts `[id, buffer]` over each of
 * its links (`_sab_hub_link.ts`) before the message reaches the ring. An
 * agent forwards what it receives on one link to its other links; ids are
 * unique and the links form a tree, so nothing loops. So every agent
 * learns every buffer, and the decoder turns an id back into the buffer
 * (`resolveSab`): from the table, else after draining its links
 * synchronously (`receiveMessageOnPort`, which works on Web
 * `MessagePort`s), else by polling its links for up to `RESOLVE_TIMEOUT`
 * ms (a buffer from a sibling worker is relayed by the parent's event
 * loop), and then it fails with a `TypeError` naming the likely cause.
 *
 * Limits: a relay needs its agent's event loop, so a main thread blocked in
 * a `*Sync` call cannot pass a buffer from one worker to another (it does
 * not need to relay for itself: decoding drains its own links). Memory: an
 * agent's table keeps every buffer it published or learned alive for the
 * agent's life (a ring holds ids, not references, so nothing else can tell
 * when the last reader is done); the same buffer object is published once,
 * so sending one `Lock` a million times costs one entry per agent, while a
 * million fresh `Lock`s cost a million entries (about 100 bytes each plus
 * their memory).
 *
 * @module
 */
import { receiveMessageOnPort as receiveNode } from "node:worker_threads";
import {
  hubIds,
  type HubLink,
  hubLinks,
  setLinkListener,
} from "./_sab_hub_link.ts";

/** How long `resolveSab` polls for an id it does not know, in ms. */
export const RESOLVE_TIMEOUT = 5000;

type Entry = [id: number, buffer: SharedArrayBuffer];

const table = new Map<number, SharedArrayBuffer>();
const known = new WeakMap<SharedArrayBuffer, number>();
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Node's synchronous receive; it works on Deno's Web `MessagePort`s. */
const receiveMessageOnPort = receiveNode as unknown as (
  port: MessagePort,
) => { message: unknown } | undefined;

function post(link: HubLink, entries: Entry[]): void {
  link.data.postMessage(entries);
  link.wake.postMessage(0);
}

/** Records entries that arrived on `from`, and relays the new ones. */
function learn(entries: Entry[], from: HubLink): void {
  const fresh: Entry[] = [];
  for (const entry of entries) {
    if (!Array.isArray(entry)) continue;
    const [id, buffer] = entry;
    if (typeof id !== "number" || !(buffer instanceof SharedArrayBuffer)) {
      continue;
    }
    if (table.has(id)) continue;
    table.set(id, buffer);
    if (!known.has(buffer)) known.set(buffer, id);
    fresh.push([id, buffer]);
  }
  if (fresh.length === 0) return;
  for (const link of hubLinks()) if (link !== from) post(link, fresh);
}

/** Reads every entry waiting on `link` (and relays it). */
function drainLink(link: HubLink): void {
  for (;;) {
    const got = receiveMessageOnPort(link.data);
    if (got === undefined) return;
    if (Array.isArray(got.message)) learn(got.message as Entry[], link);
  }
}

/** Reads every entry waiting on this agent's links (and relays it). */
function drain(): void {
  for (const link of hubLinks()) drainLink(link);
}

setLinkListener({
  add(link, toChild) {
    link.wake.onmessage = drain;
    (link.wake as MessagePort & { unref?(): void }).unref?.();
    if (toChild) {
      drain(); // what the parent side has waiting goes to the child too
      if (table.size > 0) post(link, [...table]);
    } else drain();
  },
  remove(link) {
    // A child that published and then ended at once: what it sent must
    // still reach the others before its link closes.
    drainLink(link);
    link.wake.onmessage = null;
  },
});

/**
 * The id of `buffer`, publishing it to the other agents the first time;
 * `-1` when this agent cannot publish (a worker no bootstrap linked).
 */
export function publishSab(buffer: SharedArrayBuffer): number {
  const id = known.get(buffer);
  if (id !== undefined) return id;
  const counter = hubIds();
  if (counter === undefined) return -1;
  const fresh = Atomics.add(counter, 0, 1) + 1;
  table.set(fresh, buffer);
  known.set(buffer, fresh);
  const entries: Entry[] = [[fresh, buffer]];
  for (const link of hubLinks()) post(link, entries);
  return fresh;
}

/**
 * The buffer published as `id`, waiting up to `RESOLVE_TIMEOUT` ms for it
 * to be relayed here.
 *
 * @throws {TypeError} when it does not arrive.
 */
export function resolveSab(id: number): SharedArrayBuffer {
  let buffer = table.get(id);
  if (buffer !== undefined) return buffer;
  drain();
  buffer = table.get(id);
  if (buffer !== undefined) return buffer;
  const linked = hubLinks().length > 0;
  const start = performance.now();
  for (let pause = 1; linked; pause = Math.min(pause * 2, 20)) {
    const waited = performance.now() - start;
    if (waited >= RESOLVE_TIMEOUT) break;
    Atomics.wait(sleeper, 0, 0, Math.min(pause, RESOLVE_TIMEOUT - waited));
    drain();
    buffer = table.get(id);
    if (buffer !== undefined) return buffer;
  }
  throw new TypeError(
    `Cannot receive shared memory #${id} as it did not reach this thread${
      linked ? ` within ${RESOLVE_TIMEOUT} ms` : ""
    }: it is relayed by the event loop of the thread that started both ends (blocked in a *Sync call?), and only between the main thread and workers started by Process or Pool`,
  );
}
