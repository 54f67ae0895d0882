/**
 * Agent identity and liveness, for robust locks.
 *
 * Every thread (the main thread, each worker) is an agent with a small
 * positive integer id. A lock holder stores its id in the lock word, so that
 * when an agent is known to be dead, the next acquirer can take the lock over
 * and report `LockAbandonedError` instead of waiting forever.
 *
 * Memory layout of the agent table (an `Int32Array` over one
 * `SharedArrayBuffer` per process tree):
 *
 * - word 0: the next id to hand out (ids start at 1);
 * - words 1 … TABLE_WORDS: a bitmap of dead agents, bit `id % AGENT_SLOTS`.
 *
 * The main thread creates the table lazily. A worker started by this package
 * joins its parent's table in its bootstrap (`joinAgentTable`), which hands
 * it a fresh id. A thread that never joined (a raw `Worker` of the user's)
 * gets a private table and an id from a high, random range, so it cannot
 * collide with ids of the tree it did not join. Ids wrap around after
 * `AGENT_SLOTS`; handing out an id clears its dead bit.
 *
 * @module
 */

/** How many agent ids the table tracks before ids wrap around. */
export const AGENT_SLOTS = 1 << 20;
const TABLE_WORDS = AGENT_SLOTS / 32;

let table: Int32Array | undefined;
let self = 0;

function ensureTable(): Int32Array {
  if (table === undefined) {
    table = new Int32Array(new SharedArrayBuffer((1 + TABLE_WORDS) * 4));
    Atomics.store(table, 0, 1); // ids start at 1: 0 means "no holder"
    if (isWorkerThread()) {
      // Not joined: pick an id outside the range of any joined tree.
      self = AGENT_SLOTS + 1 +
        Math.floor(Math.random() * (0x3fff_ffff - AGENT_SLOTS - 1));
    } else {
      self = allocate(table);
    }
  }
  return table;
}

function isWorkerThread(): boolean {
  return "WorkerGlobalScope" in globalThis;
}

function allocate(t: Int32Array): number {
  const raw = Atomics.add(t, 0, 1);
  const id = ((raw - 1) % (AGENT_SLOTS - 1)) + 1;
  Atomics.and(t, 1 + (id >>> 5), ~(1 << (id & 31)));
  return id;
}

/** This thread's agent id (a positive integer below 2^30). */
export function agentId(): number {
  ensureTable();
  return self;
}

/** The agent table this thread belongs to, for handing to a new worker. */
export function agentTable(): SharedArrayBuffer {
  return ensureTable().buffer as SharedArrayBuffer;
}

/**
 * Joins the agent table of the thread that started this one, and takes a
 * fresh id from it. Called once by a worker's bootstrap, before any lock is
 * used. Returns the new id.
 */
export function joinAgentTable(buffer: SharedArrayBuffer): number {
  table = new Int32Array(buffer);
  self = allocate(table);
  return self;
}

/**
 * Hands out a fresh id from this thread's table without joining it, for a
 * worker about to be started (so the parent knows the child's id up front).
 */
export function reserveAgentId(): number {
  return allocate(ensureTable());
}

/**
 * Joins `buffer` under an id reserved for this thread by its parent with
 * `reserveAgentId()`.
 */
export function adoptAgentId(buffer: SharedArrayBuffer, id: number): void {
  table = new Int32Array(buffer);
  self = id;
}

/** Records that agent `id` is dead: locks it holds become abandoned. */
export function markAgentDead(id: number): void {
  const t = ensureTable();
  if (id < 1 || id >= AGENT_SLOTS) return;
  Atomics.or(t, 1 + (id >>> 5), 1 << (id & 31));
}

/** Whether agent `id` is known to be dead. */
export function isAgentDead(id: number): boolean {
  const t = ensureTable();
  if (id < 1 || id >= AGENT_SLOTS) return false;
  return (Atomics.load(t, 1 + (id >>> 5)) & (1 << (id & 31))) !== 0;
}
