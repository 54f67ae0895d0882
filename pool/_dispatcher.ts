/**
 * The engine behind `Pool`: one queue, a set of worker slots, and the rules
 * that make every submitted task settle exactly once.
 *
 * - Dispatch runs on a microtask after any change, so tasks submitted in one
 *   tick go out together: each open slot gets a fair share of the queue, up
 *   to `WINDOW` tasks in flight, in one `run` message (micro-batching).
 * - A worker that ends (crash, `Deno.exit`, `self.close()`, terminated)
 *   rejects only the task it had started with `WorkerExitError`; the tasks
 *   it had not started are taken back through the claim ring
 *   (`_protocol.ts`) and run elsewhere. Its results arrived before its
 *   `exit` message (the bootstrap flushes first), so none is lost or
 *   delivered twice. A replacement is spawned when there is work.
 * - A task past `taskTimeout` (read from the control block, so a worker
 *   stuck in synchronous code is caught too), or cancelled by its call's
 *   `signal`/`timeout`, rejects at once; its `currentTask()` signal aborts,
 *   its worker is retired (told to finish and exit; terminated after
 *   `GRACE_MS`) and replaced. A worker still in synchronous code when it
 *   is terminated is listed as stuck until that code returns.
 * - An idle worker takes back the later half of a busy worker's unstarted
 *   tasks (work stealing), so deep windows do not unbalance the tail.
 * - `maxTasksPerChild` caps what is ever assigned to a worker; it retires
 *   once those tasks have settled.
 * - Workers that fail to start (task module, initializer) are respawned
 *   with back-off; after `MAX_START_FAILURES` in a row with no worker ready,
 *   the queued tasks fail with the cause.
 * - Workers do not keep the process alive while no task is outstanding.
 *
 * Spawning, exits, retirement and start back-off are `WorkerRoster`'s
 * (`_worker_roster.ts`), sending a batch `_pool_send.ts`'s, reading results
 * `_pool_results.ts`'s; this file decides what goes where and settles.
 *
 * @module
 */
import type { Child } from "./_child.ts";
import type { FnTable } from "./_fn_table.ts";
import type { PoolSlot } from "./_pool_slot.ts";
import { StatsRecorder } from "./_pool_stats.ts";
import { TaskQueue } from "./_task_queue.ts";
import { warmTransfer } from "./_transfer_list.ts";
import { armWatchdog, clearSlotTimers, IdleReaper } from "./_worker_timers.ts";
import { WorkerRoster } from "./_worker_roster.ts";
import type { PoolTask, TaskGroup } from "./_pool_task.ts";
import { settleResults } from "./_pool_results.ts";
import { sendBatch, stealHalf } from "./_pool_send.ts";
import {
  ABORTED,
  type ChildMessage,
  FLOAT64_CHUNK,
  type FnDef,
  since,
  TIMED_OUT,
} from "./_protocol.ts";
import type { Backend } from "./backend.ts";
import { PoolClosedError } from "./errors.ts";
import type { Permissions } from "./permissions.ts";

/** Most tasks in flight per worker. */
const WINDOW = 64;

/** How the dispatcher runs its workers. */
export interface DispatcherOptions {
  processes: number;
  minProcesses: number;
  backend: Backend;
  permissions: Permissions | undefined;
  memoryLimitMb?: number | undefined;
  module: string;
  fns: FnTable;
  initializer: { fn: FnDef; args: unknown } | null;
  maxTasksPerChild: number;
  taskTimeout: number;
  idleTimeout: number;
  /** Called after each task settles. */
  onSettle: () => void;
}

/** See the module note. */
export class Dispatcher {
  readonly stats = new StatsRecorder();
  readonly #o: DispatcherOptions;
  readonly #queue = new TaskQueue();
  readonly #workers: WorkerRoster;
  readonly #slots: Set<PoolSlot>;
  #state: "running" | "closing" | "terminated" = "running";
  #outstanding = 0;
  #scheduled = false;
  #refd = false;
  readonly #idle: IdleReaper;
  #holds = 0;
  #warm = false;
  #ended: Promise<void>;
  #resolveEnded!: () => void;

  constructor(options: DispatcherOptions) {
    this.#o = options;
    this.#workers = new WorkerRoster(options, {
      state: () => this.#state,
      refd: () => this.#refd,
      onMessage: (slot, message) => this.#onMessage(slot, message),
      settle: (task, ok, value) => this.#settle(task, ok, value),
      requeue: (tasks) => this.#requeue(tasks),
      failQueued: (error) => {
        for (const task of this.#queue.drain()) {
          this.#settle(task, false, error);
        }
      },
      schedule: () => this.#schedule(),
      checkEnded: () => this.#checkEnded(),
    }, this.stats);
    this.#slots = this.#workers.slots;
    this.#idle = new IdleReaper({
      idleTimeout: options.idleTimeout,
      minProcesses: options.minProcesses,
      slots: this.#slots,
      running: () => this.#state === "running",
      retire: (slot) => this.#workers.retire(slot, false),
    });
    this.#ended = new Promise((resolve) => this.#resolveEnded = resolve);
    this.#workers.ensure(0); // the first worker; the rest are paced
  }

  /** `"running"`, `"closing"` (after `close()`) or `"terminated"`. */
  get state(): "running" | "closing" | "terminated" {
    return this.#state;
  }

  /** Tasks submitted and not settled. */
  get outstanding(): number {
    return this.#outstanding;
  }

  /** Tasks waiting for a worker. */
  get queued(): number {
    return this.#queue.pending();
  }

  /** Tasks held by workers. */
  get running(): number {
    let n = 0;
    for (const slot of this.#slots) n += slot.inflight.size;
    return n;
  }

  /** Live workers (including ones being retired). */
  get workers(): number {
    return this.#slots.size;
  }

  /** Workers that were terminated inside synchronous code and are still in it. */
  get stuck(): number {
    return this.#workers.stuck;
  }

  /** The children of the live workers. */
  children(): Child[] {
    return [...this.#slots].map((slot) => slot.child);
  }

  /** Queues a task (the caller checked the pool is open). */
  submit(task: PoolTask): void {
    if (
      task.items >= FLOAT64_CHUNK && !this.#warm &&
      this.#o.backend === "worker"
    ) {
      // Bulk maps move large chunks: pay the first transfer's cost while
      // the workers run this one.
      this.#warm = true;
      queueMicrotask(warmTransfer);
    }
    this.#workers.starts.retry();
    this.#queue.push(task);
    task.group?.tasks.add(task);
    if (this.#outstanding++ === 0 && !this.#refd) this.#ref(true);
    this.#schedule();
  }

  /**
   * Settles every unsettled task of `group` with `reason`. Queued and
   * unstarted tasks are dropped; a running one's signal aborts and, when
   * `retireRunning`, its worker is retired (else its result is ignored).
   */
  cancel(group: TaskGroup, reason: unknown, retireRunning: boolean): void {
    group.cancelled = true;
    for (const task of [...group.tasks]) {
      const slot = task.slot;
      if (slot !== undefined && !task.done) {
        slot.inflight.delete(task.seq);
        if (slot.takeBackOne(task)) {
          // never started there
        } else if (retireRunning && slot.current().seq === task.seq) {
          slot.abort(task.seq, ABORTED);
          this.#workers.retire(slot, true);
        }
      }
      this.#settle(task, false, reason);
    }
    this.#schedule();
  }

  /**
   * Keeps the pool from ending while a call started before `close()` still
   * submits; returns the release (idempotent).
   */
  hold(): () => void {
    this.#holds++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#holds--;
      this.#schedule();
      this.#checkEnded();
    };
  }

  /** No more tasks will come: workers exit once the queue drains. */
  close(): void {
    if (this.#state !== "running") return;
    this.#state = "closing";
    this.#idle.clear();
    // Nothing waits for a respawn.
    if (this.#queue.length === 0) this.#workers.starts.cancel();
    this.#schedule();
    this.#checkEnded();
  }

  /** Fails every unsettled task and ends every worker now. */
  terminate(): void {
    if (this.#state === "terminated") return;
    this.#state = "terminated";
    this.#idle.clear();
    this.#workers.starts.cancel();
    const error = new PoolClosedError(
      "Cannot finish the task as the pool was terminated",
    );
    for (const task of this.#queue.drain()) this.#settle(task, false, error);
    for (const slot of this.#slots) {
      for (const task of slot.inflight.values()) {
        this.#settle(task, false, error);
      }
      slot.inflight.clear();
      clearSlotTimers(slot);
      this.#workers.kill(slot);
    }
    this.#checkEnded();
  }

  /** Resolves once the pool is closed or terminated and every worker ended. */
  ended(): Promise<void> {
    return this.#ended;
  }

  // -------------------------------------------------------------------------
  // Dispatch

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => this.#dispatch());
  }

  #dispatch(): void {
    this.#scheduled = false;
    if (this.#state === "terminated") return;
    if (this.#outstanding === 0 && this.#refd) this.#ref(false);
    this.#queue.compact();
    this.#workers.ensure(this.#queue.length);
    const { maxTasksPerChild } = this.#o;
    const open: PoolSlot[] = [];
    for (const slot of this.#slots) {
      if (slot.room(WINDOW, maxTasksPerChild) > 0) open.push(slot);
    }
    if (this.#queue.length > 0 && open.length > 0) {
      open.sort((a, b) => a.inflight.size - b.inflight.size);
      for (let i = 0; i < open.length; i++) {
        const left = this.#queue.length;
        if (left <= 0) break;
        const slot = open[i]!;
        const share = Math.ceil(left / (open.length - i));
        this.#send(slot, Math.min(share, slot.room(WINDOW, maxTasksPerChild)));
      }
      this.#queue.compact();
    }
    if (this.#queue.length > 0) return;
    this.#requeue(stealHalf(this.#slots));
    if (this.#state === "closing" && this.#holds === 0) {
      for (const slot of this.#slots) {
        if (slot.inflight.size === 0) this.#workers.retire(slot, false);
      }
    }
  }

  /** Sends up to `count` queued tasks to `slot` in one message. */
  #send(slot: PoolSlot, count: number): number {
    const sent = sendBatch(
      slot,
      this.#queue,
      count,
      (task, error) => this.#settle(task, false, error),
    );
    if (sent > 0) this.#armWatchdog(slot);
    return sent;
  }

  #requeue(tasks: PoolTask[]): void {
    if (tasks.length === 0) return;
    this.#queue.unshift(tasks);
    this.#schedule();
  }

  // -------------------------------------------------------------------------
  // Worker messages

  #onMessage(slot: PoolSlot, message: ChildMessage): void {
    if (message.t === "results") {
      this.#results(slot, message.batch);
    } else if (message.t === "ready") {
      slot.ready = true;
      this.#workers.starts.ready();
      this.#schedule(); // a staggered spawn may wait for it
    }
  }

  #results(slot: PoolSlot, batch: unknown[]): void {
    settleResults(
      slot,
      batch,
      this.stats,
      (task, ok, value) => this.#settle(task, ok, value),
    );
    if (slot.inflight.size === 0) {
      slot.idleSince = performance.now();
      if (slot.counter >= this.#o.maxTasksPerChild) {
        this.#workers.retire(slot, true);
      } else this.#idle.arm();
    }
    this.#schedule();
  }

  // -------------------------------------------------------------------------
  // Timers

  #armWatchdog(slot: PoolSlot): void {
    armWatchdog(slot, this.#o.taskTimeout, (seq) => {
      const task = slot.inflight.get(seq);
      slot.abort(seq, TIMED_OUT);
      if (task !== undefined) {
        slot.inflight.delete(seq);
        this.#settle(
          task,
          false,
          new DOMException(
            `Task ${task.id} timed out after ${this.#o.taskTimeout} ms on worker "${slot.child.name}"`,
            "TimeoutError",
          ),
        );
      }
      this.#workers.retire(slot, true);
    });
  }

  // -------------------------------------------------------------------------
  // Settling

  #settle(task: PoolTask, ok: boolean, value: unknown): void {
    if (task.done) return;
    task.done = true;
    task.group?.tasks.delete(task);
    if (ok) this.stats.completed += task.items;
    else this.stats.failed += task.items;
    if (--this.#outstanding === 0) {
      // Unref on the next dispatch, after the caller's continuation: a
      // caller awaiting one task at a time submits the next one first.
      this.#schedule();
    }
    if (ok) task.resolve(value);
    else task.reject(value);
    this.#o.onSettle();
  }

  #ref(on: boolean): void {
    this.#refd = on;
    for (const slot of this.#slots) slot.child.ref(on);
  }

  #checkEnded(): void {
    if (this.#state === "running") return;
    if (this.#slots.size > 0) return;
    if (this.#state === "closing" && this.#queue.length > 0) return;
    if (this.#state === "closing" && this.#holds > 0) return;
    if (this.#workers.starts.waiting) return;
    this.#resolveEnded();
  }
}

/** Milliseconds since the time origin, for `PoolTask.submitted`. */
export function now(): number {
  return since(0);
}
