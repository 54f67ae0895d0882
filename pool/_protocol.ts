/**
 * The wire protocol between a parent and a child's bootstrap, and the
 * control block they share.
 *
 * Messages are batched from day one: one `run` message carries many tasks,
 * one `results` message carries many results, both as flat arrays (cheaper
 * to clone than arrays of objects).
 *
 * - `run.batch`: `[seq, fnId, kind, payload, …]`. `kind` is `CALL` (payload:
 *   the argument list), `MAP_CHUNK` (payload: items, each called as
 *   `fn(item)`) or `STARMAP_CHUNK` (payload: argument lists).
 * - `results.batch`: `[seq, status, value, startUs, runUs, …]` (times in
 *   whole microseconds, the start since the parent's `epoch`). `status` is
 *   `OK`, `THREW` (value: error record of the task's own exception) or
 *   `FAILED` (value: error record of the library's own `TypeError`: the
 *   function is not exported, the result cannot be sent). A chunk's `OK`
 *   value is the array of results, or `{ outcomes }` (`[status, value, …]`
 *   per item) when some item threw.
 * - Values are in the form of `ipc/_transfer.ts` (`toTransferable`).
 *
 * The control block (an `Int32Array` over a `SharedArrayBuffer`, one per
 * child) lets the parent see what a child is doing without a message, even
 * while the child is stuck in synchronous code:
 *
 * - `STATE`: `BOOTING`, `IDLE`, `RUNNING_SYNC` (inside the task function's
 *   synchronous part), `AWAITING` (the task returned a promise), `ENDED`.
 * - `CURRENT`: the seq of the running task (`0` for none); `STARTED_AT`: when
 *   it started, in ms since the parent's `epoch` (sent at init).
 * - `ABORT` / `ABORT_KIND`: the seq whose `currentTask()` signal must abort
 *   (`-1`: every task), and why (`ABORTED`, `TIMED_OUT`, `TERMINATED`).
 * - `LANE`, `POSTED`, `RECEIVED`, `LANE_LENGTH` and the text after the ring:
 *   the wake lane, through which a small message reaches a child that spins
 *   for work without a `postMessage` (`_pool_lane.ts`).
 * - A ring of `RING` claim slots. Before posting task `seq` the parent stores
 *   `seq` in slot `seq % RING`. The child claims a task with
 *   `compareExchange(slot, seq, -seq)` before running it; the parent takes an
 *   unstarted task back with `compareExchange(slot, seq, 0)`. Exactly one of
 *   them wins, so a task is never run twice nor lost: a revoked task is run
 *   elsewhere, a claimed one settles from this child (its result, or a
 *   `WorkerExitError` if the child dies). The parent keeps fewer than `RING`
 *   tasks in flight per child, so a slot is never reused while a stale task
 *   could still try to claim it.
 *
 * @module
 */
import type { ErrorRecord } from "../ipc/_error_record.ts";

/** Control block word: what the child is doing. */
export const STATE = 0;
/** Control block word: seq of the running task, `0` for none. */
export const CURRENT = 1;
/** Control block word: when the running task started (ms since `epoch`). */
export const STARTED_AT = 2;
/** Control block word: seq whose signal must abort, `-1` for all. */
export const ABORT = 3;
/** Control block word: why (`ABORTED`, `TIMED_OUT`, `TERMINATED`). */
export const ABORT_KIND = 4;
/** Control block word: the wake lane's state (`_pool_lane.ts`). */
export const LANE = 5;
/** Control block word: messages the parent posted (not through the lane). */
export const POSTED = 6;
/** Control block word: posted messages the child has handled. */
export const RECEIVED = 7;
/** Control block word: length of the message in the lane, in chars. */
export const LANE_LENGTH = 8;
/** First claim slot. */
export const RING_BASE = 16;
/** Number of claim slots: the most tasks a child may hold at once. */
export const RING = 1024;
/** Byte offset of the lane's message text (UTF-16 code units). */
export const LANE_TEXT = (RING_BASE + RING) * 4;
/** Most chars a message may have to travel through the lane. */
export const LANE_CHARS = 2048;
/** Size of a control block in bytes. */
export const CONTROL_BYTES = LANE_TEXT + LANE_CHARS * 2;

/** `STATE` values. */
export const BOOTING = 0, IDLE = 1, RUNNING_SYNC = 2, AWAITING = 3, ENDED = 4;
/** `ABORT_KIND` values. */
export const ABORTED = 1, TIMED_OUT = 2, TERMINATED = 3;

/** Task kinds in a `run` batch. */
export const CALL = 0, MAP_CHUNK = 1, STARMAP_CHUNK = 2;
/** Result statuses in a `results` batch. */
export const OK = 0, THREW = 1, FAILED = 2;

/** Words per task in a `run` batch, and per result in a `results` batch. */
export const TASK_WORDS = 4, RESULT_WORDS = 5;

/** A task function, named once per child: resolved by export name. */
export interface FnDef {
  /** Small id the tasks refer to. */
  id: number;
  /** The export name. */
  name: string;
  /** `fn.toString()` of the caller's function; `null` for a string target. */
  src: string | null;
}

/** What `currentProcess()` tells inside a child. */
export interface BootInfo {
  /** The child's name (`Process.name`). */
  name: string;
  /** The child's pid (for workers: its agent id). */
  pid: number;
  /** Whether the child is a daemon. */
  daemon: boolean;
  /** The task module's URL (for messages). */
  module: string;
}

/** The entry task of a child: a `Process` target or a pool initializer. */
export interface EntryMessage {
  /** The function's id in `fns`. */
  fn: number;
  /** Transferable form of the argument list. */
  args: unknown;
}

/** Messages from the parent to a child. */
export type ParentMessage =
  | {
    t: "init";
    /** The agent table to join (`sync/_agent.ts`). */
    agents: SharedArrayBuffer;
    /**
     * The `SharedMemory` name table to join (`shared/_block_table.ts`), so
     * that `SharedMemory.attach(name)` finds the parent's blocks. Absent for
     * subprocess children, which cannot share memory.
     */
    blocks?: SharedArrayBuffer;
    /** The child's agent id, reserved by the parent. */
    agentId: number;
    /** The child's pid as the parent reports it (`Process.pid`). */
    pid: number;
    /** Whether the child is a daemon. */
    daemon: boolean;
    /** The control block. */
    control: SharedArrayBuffer;
    /** `performance.timeOrigin + performance.now()` of the parent at spawn. */
    epoch: number;
    /** Function definitions known so far. */
    fns: FnDef[];
    /** `"process"`: run the entry, then end. `"pool"`: serve tasks. */
    mode: "process" | "pool";
    /** Run first: the target (mode "process") or initializer (mode "pool"). */
    entry: EntryMessage | null;
  }
  | { t: "run"; fns: FnDef[] | null; batch: unknown[] }
  | { t: "abort"; seq: number }
  | { t: "retire" };

/** Why a child ended. */
export type ExitPhase =
  | "import" // the task module failed to load
  | "resolve" // the entry function is not exported (or differs)
  | "entry" // the target or initializer threw
  | "crash" // an uncaught error outside any task
  | "exit" // Deno.exit() was called
  | "close" // self.close() was called
  | "done"; // the target returned, or the child was told to retire

/** Messages from a child to its parent. */
export type ChildMessage =
  | { t: "ready" }
  | { t: "results"; batch: unknown[] }
  | {
    t: "exit";
    code: number;
    phase: ExitPhase;
    /** Why, for every phase but "exit", "close" and "done". */
    error: ErrorRecord | null;
  };

/** Claims task `seq` for running; `false` when the parent took it back. */
export function claim(control: Int32Array, seq: number): boolean {
  return Atomics.compareExchange(
    control,
    RING_BASE + seq % RING,
    seq,
    -seq,
  ) === seq;
}

/** Takes unstarted task `seq` back; `false` when the child claimed it. */
export function revoke(control: Int32Array, seq: number): boolean {
  return Atomics.compareExchange(control, RING_BASE + seq % RING, seq, 0) ===
    seq;
}

/** Marks task `seq` as assigned, before it is posted. */
export function assign(control: Int32Array, seq: number): void {
  Atomics.store(control, RING_BASE + seq % RING, seq);
}

/** Whether the child claimed task `seq` (started it). */
export function claimed(control: Int32Array, seq: number): boolean {
  return Atomics.load(control, RING_BASE + seq % RING) === -seq;
}

/** Milliseconds since `epoch`, comparable across threads. */
export function since(epoch: number): number {
  return performance.timeOrigin + performance.now() - epoch;
}

/** Most tasks (or results) a message may hold to travel as JSON. */
const COMPACT_ITEMS = 16;

function jsonSafe(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object": {
      if (value === null) return true;
      if (depth === 0) return false;
      if (Array.isArray(value)) {
        if (value.length > COMPACT_ITEMS) return false;
        for (let i = 0; i < value.length; i++) {
          if (!(i in value) || !jsonSafe(value[i], depth - 1)) return false;
        }
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      let n = 0;
      for (const key in value) {
        if (++n > COMPACT_ITEMS || key === "__proto__") return false;
        if (!jsonSafe((value as Record<string, unknown>)[key], depth - 1)) {
          return false;
        }
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * A small message of plain data as a JSON string, or `undefined`. Posting a
 * string costs next to nothing, where structured clone has a fixed cost of
 * about 2–4 µs per message in Deno 2.9, which dominates a round trip of
 * small tasks. Large batches go by structured clone (no faster as JSON).
 */
export function compact(
  message: ParentMessage | ChildMessage,
): string | undefined {
  switch (message.t) {
    case "run": {
      const { batch } = message;
      if (batch.length > COMPACT_ITEMS * TASK_WORDS) return undefined;
      for (let i = 3; i < batch.length; i += TASK_WORDS) {
        if (!jsonSafe(batch[i], 4)) return undefined;
      }
      return JSON.stringify(message);
    }
    case "results": {
      const { batch } = message;
      if (batch.length > COMPACT_ITEMS * RESULT_WORDS) return undefined;
      for (let i = 2; i < batch.length; i += RESULT_WORDS) {
        if (!jsonSafe(batch[i], 6)) return undefined;
      }
      return JSON.stringify(message);
    }
    case "init":
    case "exit":
      return undefined;
    default:
      return JSON.stringify(message);
  }
}

/** The message `data` carries (a `compact` string or a cloned object). */
export function expand<T extends ParentMessage | ChildMessage>(
  data: unknown,
): T {
  return (typeof data === "string" ? JSON.parse(data) : data) as T;
}

/** Chunks at least this long travel as a typed array when all numbers. */
export const FLOAT64_CHUNK = 64;

/** A chunk of numbers as it travels (see `numbersAsTyped`). */
export type NumberChunk = Int32Array | Float64Array;

/** Whether `value` is a chunk of numbers (`numbersAsTyped`). */
export function isNumberChunk(value: unknown): value is NumberChunk {
  return value instanceof Int32Array || value instanceof Float64Array;
}

/** Whether `value` is an int32 that an `Int32Array` keeps exactly (not -0). */
export function isInt32(value: number): boolean {
  return (value | 0) === value && (value !== 0 || 1 / value > 0);
}

/**
 * What `values` hold: `2` when all are int32 numbers, `1` when all are
 * numbers, `0` otherwise.
 */
export function numberKind(values: ArrayLike<unknown>): 0 | 1 | 2 {
  let kind: 1 | 2 = 2;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value !== "number") return 0;
    if (kind === 2 && !isInt32(value)) kind = 1;
  }
  return kind;
}

/**
 * `values` as an `Int32Array` (all int32) or a `Float64Array` (all numbers)
 * when long enough, else `undefined`: cloning a typed array is a copy of its
 * bytes, cloning an array of numbers costs per element (about 20× more in
 * Deno 2.9); and int32 values read back as small integers, as they were
 * (V8 keeps optimized code that saw them). Exact for every number.
 */
export function numbersAsTyped(
  values: ArrayLike<unknown>,
): NumberChunk | undefined {
  if (values.length < FLOAT64_CHUNK) return undefined;
  const kind = numberKind(values);
  if (kind === 0) return undefined;
  const list = values as ArrayLike<number>;
  return kind === 2 ? Int32Array.from(list) : Float64Array.from(list);
}
