/**
 * A pool task as the dispatcher tracks it, and the group a call's tasks
 * belong to (so that a `signal`, a call `timeout` or an early stop of an
 * `imap` can cancel them together).
 *
 * A task is queued (`slot` undefined), then assigned to one worker slot
 * under a seq (`_protocol.ts`), then settled exactly once (`done`). A task
 * taken back from a worker (it died, was retired, or work was stolen from
 * it) returns to the queue and gets a new seq on its next worker.
 *
 * @module
 */
import type { FnDef } from "./_protocol.ts";
import type { PoolSlot } from "./_pool_slot.ts";

/** One unit of work: a call, or a chunk of a map. */
export interface PoolTask {
  /** Pool-wide id, for error messages. */
  readonly id: number;
  readonly fn: FnDef;
  /** `CALL`, `MAP_CHUNK` or `STARMAP_CHUNK`. */
  readonly kind: number;
  /** Transferable form of the arguments (or the chunk's items). */
  readonly payload: unknown;
  /** How many user-level items it holds (1 for a call). */
  readonly items: number;
  /** When it was submitted: `performance.timeOrigin + performance.now()`. */
  readonly submitted: number;
  readonly group: TaskGroup | undefined;
  /** The worker slot holding it; `undefined` while queued. */
  slot: PoolSlot | undefined;
  /** Its seq at that slot. */
  seq: number;
  /** Its assignment number at that slot (for the claim ring's span). */
  counter: number;
  /** Settled (or cancelled). */
  done: boolean;
  /** Receives the decoded result. */
  resolve(value: unknown): void;
  /** Receives the error. */
  reject(error: unknown): void;
}

/** The tasks of one call. */
export class TaskGroup {
  readonly tasks = new Set<PoolTask>();
  cancelled = false;
}
