/**
 * One pool worker from the dispatcher's side: its child, the tasks it holds
 * (by seq, in the order they were sent), and the claim-ring bookkeeping that
 * lets the pool take unstarted tasks back exactly (`_protocol.ts`).
 *
 * @module
 */
import type { Child } from "./_child.ts";
import { countPosted, listening, offer } from "./_pool_lane.ts";
import type { PoolTask } from "./_pool_task.ts";
import {
  assign,
  claimed,
  compact,
  CURRENT,
  type ParentMessage,
  revoke,
  RING,
  RUNNING_SYNC,
  STARTED_AT,
  STATE,
} from "./_protocol.ts";

/** Seqs run from 1 to `SEQ_SPAN` and wrap around. */
const SEQ_SPAN = 1 << 30;

/** A worker of a pool. */
export class PoolSlot {
  readonly child: Child;
  /** Tasks sent and not settled, by seq, oldest first. */
  readonly inflight = new Map<number, PoolTask>();
  /** Tasks ever assigned. */
  counter = 0;
  ready = false;
  retiring = false;
  idleSince = performance.now();
  watchdog: ReturnType<typeof setTimeout> | undefined;
  grace: ReturnType<typeof setTimeout> | undefined;

  /** `child`, about to be started (its `init` counts as posted). */
  constructor(child: Child) {
    this.child = child;
    countPosted(child.control);
  }

  /**
   * Sends `message`: a small `run` through the wake lane when the worker
   * spins for work (`_pool_lane.ts`), else posted (and counted).
   *
   * @throws A `DataCloneError` when it cannot be cloned.
   */
  send(message: ParentMessage): void {
    const control = this.child.control;
    if (message.t === "run" && listening(control)) {
      const text = compact(message);
      if (text !== undefined && offer(control, text)) return;
    }
    this.child.send(message);
    countPosted(control);
  }

  /** Aborts the `currentTask()` signal of task `seq` (`-1`: any task). */
  abort(seq: number, kind: number): void {
    this.child.abort(seq, kind);
    countPosted(this.child.control);
  }

  /** Whether it may be given tasks. */
  get open(): boolean {
    return !this.retiring && this.child.exitCode === null;
  }

  /** How many more tasks it may take now. */
  room(window: number, maxTasks: number): number {
    if (!this.open) return 0;
    let room = Math.min(window - this.inflight.size, maxTasks - this.counter);
    for (const oldest of this.inflight.values()) {
      room = Math.min(room, RING - 1 - (this.counter - oldest.counter));
      break;
    }
    return room;
  }

  /** Assigns `task` a seq here and marks it assigned in the claim ring. */
  assign(task: PoolTask): void {
    const seq = (this.counter % SEQ_SPAN) + 1;
    task.counter = this.counter++;
    task.seq = seq;
    task.slot = this;
    assign(this.child.control, seq);
    this.inflight.set(seq, task);
  }

  /** Whether the child has started task `task` (claimed it). */
  started(task: PoolTask): boolean {
    return claimed(this.child.control, task.seq);
  }

  /**
   * Takes back unstarted tasks, newest first, at most `limit` of them;
   * returns them oldest first.
   */
  takeBack(limit = Infinity): PoolTask[] {
    const back: PoolTask[] = [];
    const tasks = [...this.inflight.values()];
    for (let i = tasks.length - 1; i >= 0 && back.length < limit; i--) {
      const task = tasks[i]!;
      if (!revoke(this.child.control, task.seq)) break;
      this.inflight.delete(task.seq);
      task.slot = undefined;
      back.push(task);
    }
    return back.reverse();
  }

  /**
   * Takes back `task` if it has not started (the caller removes it from
   * `inflight`); `false` when the child claimed it.
   */
  takeBackOne(task: PoolTask): boolean {
    if (!revoke(this.child.control, task.seq)) return false;
    task.slot = undefined;
    return true;
  }

  /** How many of its tasks it has not started yet. */
  unstarted(): number {
    let n = 0;
    for (const task of this.inflight.values()) {
      if (!this.started(task)) n++;
    }
    return n;
  }

  /** The seq it is running (0 for none) and for how long (ms). */
  current(): { seq: number; elapsed: number } {
    const control = this.child.control;
    const startedAt = Atomics.load(control, STARTED_AT);
    const seq = Atomics.load(control, CURRENT);
    const now = performance.timeOrigin + performance.now() - this.child.epoch;
    return { seq, elapsed: now - startedAt };
  }

  /** Whether it is inside a task's synchronous code right now. */
  inSyncCode(): boolean {
    return Atomics.load(this.child.control, STATE) === RUNNING_SYNC;
  }
}
