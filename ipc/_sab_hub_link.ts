/**
 * The links of the SAB hub (`_sab_hub.ts`), kept apart so that the pool's
 * spawn and bootstrap can make and join them without loading the hub.
 *
 * Agents (the main thread, each worker this package started) form a tree:
 * a parent links to every worker it spawns. A link is two `MessageChannel`s
 * whose child ends ride in the worker's `init` message:
 *
 * - `data`: carries `[id, SharedArrayBuffer]` entries. It is never started;
 *   it is only read synchronously (`receiveMessageOnPort`), so no entry can
 *   be half-delivered when a decoder drains it.
 * - `wake`: carries a bare `0` after each post on `data`, so that an idle
 *   agent drains (and relays) without a decoder asking. It is started and
 *   unref'd: it never keeps a thread alive.
 *
 * Ids come from one counter (an `Int32Array` over a `SharedArrayBuffer`)
 * that the main thread creates and every linked worker joins, so they are
 * unique across the tree. A worker that no package bootstrap linked (a raw
 * `Worker` of the user's) has no counter and cannot publish.
 *
 * This file holds no table and imports nothing heavy: the hub registers a
 * listener here when it loads, and learns every link made before and after.
 *
 * @module
 */

/** What a parent hands its child in the `init` message. */
export interface HubLinkData {
  /** The child's end of the entry channel. */
  data: MessagePort;
  /** The child's end of the wake channel. */
  wake: MessagePort;
  /** The tree's id counter. */
  ids: SharedArrayBuffer;
}

/** One end of a link, as the agent holding it sees it. */
export interface HubLink {
  /** The entry channel (read synchronously only). */
  readonly data: MessagePort;
  /** The wake channel (started, unref'd, by the hub). */
  readonly wake: MessagePort;
}

/** What the hub does with links; set once it loads. */
export interface LinkListener {
  /** A link appeared (`toChild`: this agent is its parent). */
  add(link: HubLink, toChild: boolean): void;
  /** A link is closing (its ports still open: what waits on them can be read). */
  remove(link: HubLink): void;
}

/** A link to a child being spawned. */
export interface ChildLink {
  /** The data for the child's `init` message. */
  payload: HubLinkData;
  /** The ports to transfer with it. */
  transfer: Transferable[];
  /** Closes this agent's ends (when the child has ended). */
  close(): void;
}

const inWorker = "WorkerGlobalScope" in globalThis;
let ids: Int32Array<SharedArrayBuffer> | undefined;
let parent: HubLink | undefined;
const children = new Set<HubLink>();
let listener: LinkListener | undefined;

/** The tree's id counter, or `undefined` in a worker no bootstrap linked. */
export function hubIds(): Int32Array<SharedArrayBuffer> | undefined {
  if (ids === undefined && !inWorker) {
    ids = new Int32Array(new SharedArrayBuffer(4));
  }
  return ids;
}

/** Every live link of this agent: the parent's first, then the children. */
export function hubLinks(): HubLink[] {
  const out = parent === undefined ? [] : [parent];
  for (const link of children) out.push(link);
  return out;
}

/** Registers the hub; it is told at once about the links made so far. */
export function setLinkListener(l: LinkListener): void {
  listener = l;
  if (parent !== undefined) l.add(parent, false);
  for (const link of children) l.add(link, true);
}

/**
 * Opens a link to a worker about to be spawned, or returns `undefined` when
 * this agent is itself unlinked (its subtree cannot share through the hub).
 */
export function openChildLink(): ChildLink | undefined {
  const counter = hubIds();
  if (counter === undefined) return undefined;
  const data = new MessageChannel();
  const wake = new MessageChannel();
  const link: HubLink = { data: data.port1, wake: wake.port1 };
  children.add(link);
  listener?.add(link, true);
  let open = true;
  return {
    payload: { data: data.port2, wake: wake.port2, ids: counter.buffer },
    transfer: [data.port2, wake.port2],
    close: () => {
      if (!open) return;
      open = false;
      children.delete(link);
      listener?.remove(link);
      link.data.close();
      link.wake.close();
    },
  };
}

/** Joins the parent's link (the worker bootstrap, on `init`). */
export function joinParentLink(payload: HubLinkData): void {
  if (parent !== undefined) return;
  ids = new Int32Array(payload.ids);
  parent = { data: payload.data, wake: payload.wake };
  listener?.add(parent, false);
}
