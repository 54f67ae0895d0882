/**
 * The lifecycle of a `Dispatcher`'s workers, from spawn to exit: spawning
 * (with start-failure back-off), reacting to an exit (the task it had
 * started fails with `WorkerExitError`, the unstarted ones go back to the
 * queue), retiring (told to finish and exit; terminated after `GRACE_MS`),
 * the replacements owed, and the workers left stuck in synchronous code.
 *
 * Spawns are staggered: `new Worker()` blocks the calling thread for
 * milliseconds (and its new thread competes for the CPU with the ones
 * booting), so `ensure()` starts one worker at once only when none lives,
 * and each further one at a pace: while there is a backlog (more
 * tasks queued or held than live workers), one per dispatch, before the
 * backlog is shared out; else on the next macrotask once every worker is
 * ready and none waits for its first result. So a backlog brings the others
 * up right away, while a lone first task runs on a first worker that boots
 * alone, its result not held up behind a spawn. `BOOT_WAIT` after the last
 * spawn the next one starts anyway (a slow initializer or a long first task
 * does not hold the others back). The timer is only pending while a worker
 * lives (so `terminate()`, which kills every worker, clears it), is dropped
 * once no more workers are wanted, and does not keep the process alive
 * while the pool's workers do not.
 *
 * Task dispatch and settling stay in the dispatcher, reached through
 * `RosterHost`.
 *
 * @module
 */
import { deserializeError } from "../ipc/_transfer.ts";
import { nextChildName } from "./_boot_state.ts";
import { Child } from "./_child.ts";
import type { DispatcherOptions } from "./_dispatcher.ts";
import { exitError } from "./_exit_error.ts";
import { PoolSlot } from "./_pool_slot.ts";
import type { StatsRecorder } from "./_pool_stats.ts";
import type { PoolTask } from "./_pool_task.ts";
import {
  type ChildMessage,
  CURRENT,
  RUNNING_SYNC,
  STATE,
} from "./_protocol.ts";
import { StartBackoff } from "./_start_backoff.ts";
import { clearSlotTimers } from "./_worker_timers.ts";
import { RemoteError } from "./errors.ts";

/** How long a retired worker may take to exit before it is terminated. */
const GRACE_MS = 1000;

/** Longest wait (ms) after a spawn before the next, whatever the pace. */
const BOOT_WAIT = 100;

/** What the roster needs from the dispatcher it serves. */
export interface RosterHost {
  /** The pool's state. */
  state(): "running" | "closing" | "terminated";
  /** Whether workers should keep the process alive. */
  refd(): boolean;
  /** A message from a worker other than its exit. */
  onMessage(slot: PoolSlot, message: ChildMessage): void;
  settle(task: PoolTask, ok: boolean, value: unknown): void;
  /** Puts tasks back at the front of the queue. */
  requeue(tasks: PoolTask[]): void;
  /** Fails every queued task with `error`. */
  failQueued(error: unknown): void;
  schedule(): void;
  checkEnded(): void;
}

interface Stuck {
  control: Int32Array;
  seq: number;
}

/** See the module note. */
export class WorkerRoster {
  /** Live workers (including ones being retired). */
  readonly slots = new Set<PoolSlot>();
  /** The back-off between failed starts. */
  readonly starts = new StartBackoff();
  readonly #o: DispatcherOptions;
  readonly #host: RosterHost;
  readonly #stats: StatsRecorder;
  #replacements = 0;
  #stuck: Stuck[] = [];
  /** The pending staggered spawn (see the module note). */
  #next: ReturnType<typeof setTimeout> | undefined;
  /** Whether `#next` is the zero-delay one (else the `BOOT_WAIT` one). */
  #nextSoon = false;
  /** Set when `#next` fired: the next dispatch may spawn. */
  #due = false;
  /** When the last worker was spawned. */
  #lastSpawn = 0;

  constructor(
    options: DispatcherOptions,
    host: RosterHost,
    stats: StatsRecorder,
  ) {
    this.#o = options;
    this.#host = host;
    this.#stats = stats;
  }

  /** Workers that were terminated inside synchronous code and are still in it. */
  get stuck(): number {
    this.#stuck = this.#stuck.filter(({ control, seq }) =>
      Atomics.load(control, STATE) === RUNNING_SYNC &&
      Atomics.load(control, CURRENT) === seq
    );
    return this.#stuck.length;
  }

  /** Spawns workers up to what `queued` tasks and the held ones need. */
  ensure(queued: number): void {
    const state = this.#host.state();
    if (state === "terminated" || this.starts.holding) return;
    const { live, held, tasks, settled } = this.#census(queued);
    if (live >= this.#o.processes) return this.#cancelNext();
    const floor = state === "running" ? this.#o.minProcesses : 0;
    const want = Math.min(this.#o.processes, Math.max(floor, queued + held));
    if (live >= want) return this.#cancelNext();
    // A closing pool retires idle workers at once: give them their share
    // now. Inline workers cost no thread to create: no reason to wait.
    if (state === "closing" || this.#o.backend === "inline") {
      this.#cancelNext();
      for (let n = live; n < want; n++) this.spawn();
      return;
    }
    // One worker at once when none lives, the rest paced (module note): at
    // once with a backlog, else on the next macrotask once every worker is
    // ready and none waits for its first result, else after `BOOT_WAIT`.
    const backlog = tasks > live;
    const due = this.#due;
    this.#due = false;
    if (
      live === 0 || backlog ||
      (due && (settled || performance.now() - this.#lastSpawn >= BOOT_WAIT))
    ) {
      this.#cancelNext();
      if (!this.spawn() || live + 1 >= want) return;
      // The new worker is not ready yet: only a backlog may not wait for it.
      return this.#arm(tasks > live + 1);
    }
    this.#arm(settled); // no backlog here: one would have spawned
  }

  /**
   * One pass over the live workers: how many; `held`, the tasks they hold
   * that a later worker may take over (all but the one running beside each
   * first: while the rest are being spawned, the first workers are handed
   * the queue); `tasks`, `queued` plus every task they hold; and `settled`,
   * whether every one is ready with none waiting for its first result.
   */
  #census(queued: number): {
    live: number;
    held: number;
    tasks: number;
    settled: boolean;
  } {
    let live = 0, held = 0, tasks = queued;
    let ready = true, first = false;
    for (const slot of this.slots) {
      if (slot.retiring) continue;
      live++;
      if (!slot.ready) ready = false;
      const size = slot.inflight.size;
      if (size === 0) continue;
      tasks += size;
      held += Math.min(size, 1 + slot.unstarted());
      if (size === 1 && slot.counter === 1) first = true;
    }
    return { live, held, tasks, settled: ready && !first };
  }

  /**
   * Arms `#next`: for the next macrotask when `soon`, else `BOOT_WAIT`
   * after the last spawn.
   */
  #arm(soon: boolean): void {
    if (this.#next !== undefined) {
      if (this.#nextSoon || !soon) return;
      this.#cancelNext();
    }
    const delay = soon
      ? 0
      : Math.max(0, this.#lastSpawn + BOOT_WAIT - performance.now());
    const next = setTimeout(() => {
      this.#next = undefined;
      this.#due = true;
      this.#host.schedule();
    }, delay);
    if (!this.#host.refd()) Deno.unrefTimer(next);
    this.#next = next;
    this.#nextSoon = soon;
  }

  #cancelNext(): void {
    if (this.#next === undefined) return;
    clearTimeout(this.#next);
    this.#next = undefined;
  }

  /** Starts one worker; returns whether it started. */
  spawn(): boolean {
    const o = this.#o;
    const child = new Child({
      name: nextChildName("PoolWorker"),
      daemon: true,
      backend: o.backend,
      module: o.module,
      permissions: o.permissions,
      memoryLimitMb: o.memoryLimitMb,
      mode: "pool",
      fns: o.fns,
    });
    const slot = new PoolSlot(child);
    child.onMessage = (message) => this.#host.onMessage(slot, message);
    child.onExit = (code) => this.#onExit(slot, code);
    try {
      child.start(o.initializer);
    } catch (error) {
      this.startFailed(error);
      return false;
    }
    this.slots.add(slot);
    this.#lastSpawn = performance.now();
    if (this.#host.refd()) child.ref(true);
    if (this.#replacements > 0) {
      this.#replacements--;
      this.#stats.respawns++;
    }
    return true;
  }

  #onExit(slot: PoolSlot, code: number): void {
    const host = this.#host;
    this.slots.delete(slot);
    // The staggered spawn is only pending while a worker lives.
    if (this.slots.size === 0) this.#cancelNext();
    clearSlotTimers(slot);
    const back: PoolTask[] = [];
    for (const task of slot.inflight.values()) {
      if (task.done) continue;
      if (slot.started(task)) {
        host.settle(task, false, exitError(slot, task, code));
      } else {
        slot.takeBackOne(task);
        back.push(task);
      }
    }
    slot.inflight.clear();
    host.requeue(back);
    const child = slot.child;
    const record = child.exitError;
    const phase = child.exitPhase;
    if (
      !slot.ready && host.state() !== "terminated" && record !== null &&
      (phase === "import" || phase === "resolve" || phase === "entry")
    ) {
      const cause = deserializeError(record);
      this.startFailed(phase === "resolve" ? cause : new RemoteError(cause));
    } else if (!slot.retiring && host.state() !== "terminated") {
      this.#replacements++;
    }
    host.checkEnded();
    host.schedule();
  }

  /** Tells `slot` to finish and exit; takes its unstarted tasks back. */
  retire(slot: PoolSlot, replace: boolean): void {
    if (slot.retiring || slot.child.exitCode !== null) return;
    slot.retiring = true;
    if (replace && this.#host.state() === "running") this.#replacements++;
    this.#host.requeue(slot.takeBack());
    slot.send({ t: "retire" });
    if (slot.watchdog !== undefined) clearTimeout(slot.watchdog);
    slot.watchdog = undefined;
    slot.grace = setTimeout(() => {
      slot.grace = undefined;
      if (slot.child.exitCode !== null) return;
      this.kill(slot);
    }, GRACE_MS);
    this.#host.schedule();
  }

  /** Terminates `slot`'s worker, listing it as stuck if in synchronous code. */
  kill(slot: PoolSlot): void {
    if (this.#host.state() === "terminated") this.#cancelNext();
    if (slot.inSyncCode()) {
      const { seq } = slot.current();
      this.#stuck.push({ control: slot.child.control, seq });
    }
    slot.child.terminate();
  }

  /** A worker failed to start: retry with back-off or fail the queue. */
  startFailed(error: unknown): void {
    const host = this.#host;
    if (host.state() === "terminated") return;
    let anyReady = false;
    for (const slot of this.slots) {
      if (slot.ready && slot.open) anyReady = true;
    }
    const failure = this.starts.failed(error, anyReady, () => {
      host.schedule();
      host.checkEnded(); // a closed pool may have been waiting for it
    });
    if (failure === undefined) return;
    host.failQueued(failure);
    host.checkEnded();
  }
}
