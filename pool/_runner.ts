/**
 * The child-side task engine: runs the tasks of `run` batches one at a time,
 * in order, and sends their results back in batches.
 *
 * Used by the worker bootstrap (`_worker_main.ts`), the subprocess child
 * (`_subprocess_main.ts`) and, on the caller's own thread, by the inline
 * backend. Its one mechanism is the run loop:
 *
 * 1. Claim the next task in the control block (`_protocol.ts`); a task the
 *    parent took back is skipped. Record `CURRENT`, `STARTED_AT`, `STATE`.
 * 2. Call the function (`_task_context.ts` makes it `currentTask()`; a map
 *    chunk runs through `_run_chunk.ts`); await only a returned promise.
 * 3. Encode the result and queue it (`_result_batch.ts`). Results are flushed
 *    (one `results` message) when the local queue runs dry, every
 *    `FLUSH_COUNT` results, after a task that ran `FLUSH_MS` or more (the
 *    next one may be as long), before awaiting when the oldest queued
 *    result is older than `FLUSH_MS`, and before the child ends for any
 *    reason. So a child that dies or is retired delivers every
 *    result it computed; only a child stuck for good in synchronous code
 *    holds back the results of its last `FLUSH_MS` of work.
 *
 * A child ends through `exit()`: the results are flushed, an `exit` message
 * says why, and the host ends the thread. After that no task is claimed.
 *
 * @module
 */
import { adoptAgentId } from "../sync/_agent.ts";
import { joinBlockTable } from "../shared/_block_table.ts";
import {
  errorRecord,
  isEnvelope,
  loadedTransfer,
  loadTransfer,
} from "./_child_codec.ts";
import { countReceived, listen, SPIN_MS } from "./_pool_lane.ts";
import { ResultBatch } from "./_result_batch.ts";
import type { RunnerHost, TaskFn } from "./_runner_host.ts";
import { warmTransfer } from "./_transfer_list.ts";
import { isThenable, runChunk } from "./_run_chunk.ts";
import { bootState } from "./_boot_state.ts";
import { clearTask, runAs, shareThread, TaskContext } from "./_task_context.ts";
import {
  AWAITING,
  CALL,
  claim,
  CONTROL_BYTES,
  CURRENT,
  ENDED,
  type EntryMessage,
  type ExitPhase,
  expand,
  FAILED,
  FLOAT64_CHUNK,
  type FnDef,
  IDLE,
  MAP_CHUNK,
  type ParentMessage,
  RUNNING_SYNC,
  since,
  STARMAP_CHUNK,
  STARTED_AT,
  STATE,
  TASK_WORDS,
  THREW,
} from "./_protocol.ts";

export { checkExport } from "./_fn_table.ts";
export type { RunnerHost, TaskFn } from "./_runner_host.ts";

const FLUSH_COUNT = 32;
const FLUSH_MS = 1;

/** Runs a child's tasks; see the module note. */
export class Runner {
  readonly #host: RunnerHost;
  #control = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES));
  #epoch = 0;
  readonly #defs = new Map<number, FnDef>();
  readonly #fns = new Map<number, TaskFn>();
  #queue: unknown[] = [];
  #head = 0;
  #ready = false;
  #draining = false;
  #ended = false;
  #current: TaskContext | undefined;
  readonly #results: ResultBatch;
  #slowAwaits = false;
  #mode: "process" | "pool" | undefined;
  #warm = false;
  /** Posted messages handled (`RECEIVED`). */
  #received = 0;
  /** Whether it spins for work when dry: a worker thread of its own. */
  readonly #spins: boolean;

  constructor(host: RunnerHost) {
    this.#host = host;
    this.#spins = !host.shared && host.claimed === undefined &&
      "WorkerGlobalScope" in globalThis;
    this.#results = new ResultBatch({
      post: (message) => host.post(message),
      now: () => since(this.#epoch),
      ended: () => this.#ended,
    });
  }

  /** Stops claiming tasks without a word to the parent (it ended us). */
  halt(): void {
    this.#ended = true;
    Atomics.store(this.#control, STATE, ENDED);
  }

  /** Whether the child has ended (no task will be claimed). */
  get ended(): boolean {
    return this.#ended;
  }

  /** Handles one message the parent posted. */
  handle(message: ParentMessage): void {
    if (this.#ended) return;
    this.#take(message);
    countReceived(this.#control, ++this.#received);
  }

  #take(message: ParentMessage): void {
    switch (message.t) {
      case "init":
        void this.#init(message);
        break;
      case "run":
        if (message.fns !== null) this.#define(message.fns);
        if (this.#head >= this.#queue.length) {
          this.#queue = message.batch;
          this.#head = 0;
        } else {
          for (const word of message.batch) this.#queue.push(word);
        }
        void this.#drain();
        break;
      case "abort":
        if (this.#current?.id === message.seq) this.#current.abort();
        break;
      case "retire":
        this.exit(0, "done");
        break;
    }
  }

  /**
   * Ends the child: flushes results, posts the `exit` message, asks the host
   * to end the thread. Later calls do nothing.
   */
  exit(code: number, phase: ExitPhase, ...error: [unknown?]): void {
    if (this.#ended) return;
    this.#flush();
    this.#ended = true;
    Atomics.store(this.#control, STATE, ENDED);
    if (phase === "crash" && this.#mode === "process") {
      this.#host.report?.(error[0]);
    }
    const record = error.length > 0 ? errorRecord(error[0]) : null;
    try {
      this.#host.post({ t: "exit", code, phase, error: record });
    } finally {
      this.#host.end(code, phase);
    }
  }

  #define(fns: FnDef[]): void {
    for (const def of fns) this.#defs.set(def.id, def);
  }

  async #resolve(id: number): Promise<TaskFn> {
    const def = this.#defs.get(id);
    if (def === undefined) {
      throw new TypeError(`Cannot run task as function #${id} is unknown`);
    }
    const fn = await this.#host.resolve(def);
    this.#fns.set(id, fn);
    return fn;
  }

  async #init(message: Extract<ParentMessage, { t: "init" }>): Promise<void> {
    adoptAgentId(message.agents, message.agentId);
    if (message.blocks !== undefined) joinBlockTable(message.blocks);
    const info = bootState().info;
    if (info !== undefined) {
      info.pid = message.pid;
      info.daemon = message.daemon;
    }
    this.#control = new Int32Array(message.control);
    this.#epoch = message.epoch;
    this.#mode = message.mode;
    this.#define(message.fns);
    if (this.#host.shared) await shareThread();
    if (message.entry === null) {
      this.#begin();
    } else {
      await this.#entry(message.entry, message.mode);
    }
  }

  #begin(): void {
    if (this.#ended) return;
    Atomics.store(this.#control, STATE, IDLE);
    this.#ready = true;
    this.#host.post({ t: "ready" });
    void this.#drain();
  }

  async #entry(entry: EntryMessage, mode: string): Promise<void> {
    let fn: TaskFn;
    let args: unknown[];
    try {
      fn = this.#fns.get(entry.fn) ?? await this.#resolve(entry.fn);
      args = (isEnvelope(entry.args)
        ? (await loadTransfer()).fromTransferable(entry.args)
        : entry.args) as unknown[];
    } catch (error) {
      this.exit(1, "resolve", error);
      return;
    }
    if (mode === "process") this.#host.post({ t: "ready" });
    try {
      const context = new TaskContext(0, this.#control);
      await this.#call(context, () => fn(...args));
    } catch (error) {
      if (this.#ended) return;
      if (mode === "process") this.#host.report?.(error);
      this.exit(1, "entry", error);
      return;
    }
    if (mode === "process") this.exit(0, "done");
    else this.#begin();
  }

  /** Runs `body` as task `context`; returns a promise only for async work. */
  #call(context: TaskContext, body: () => unknown): unknown {
    const control = this.#control;
    Atomics.store(control, STARTED_AT, Math.floor(since(this.#epoch)));
    Atomics.store(control, CURRENT, context.id);
    Atomics.store(control, STATE, RUNNING_SYNC);
    this.#current = context;
    let result: unknown;
    try {
      result = runAs(context, body);
    } catch (error) {
      this.#idle();
      throw error;
    }
    if (!isThenable(result)) {
      this.#idle();
      return result;
    }
    Atomics.store(control, STATE, AWAITING);
    if (
      this.#results.size > 0 &&
      (this.#slowAwaits || this.#results.age() >= FLUSH_MS)
    ) this.#flush();
    const began = performance.now();
    return Promise.resolve(result).finally(() => {
      this.#slowAwaits = performance.now() - began >= FLUSH_MS;
      this.#idle();
    });
  }

  #idle(): void {
    if (this.#ended) return;
    const control = this.#control;
    Atomics.store(control, CURRENT, 0);
    Atomics.store(control, STATE, IDLE);
    this.#current = undefined;
    clearTask();
  }

  async #drain(): Promise<void> {
    if (this.#draining || !this.#ready) return;
    this.#draining = true;
    try {
      for (;;) {
        await this.#runQueued();
        // More may have come while a task was awaited.
        if (this.#head < this.#queue.length && !this.#ended) continue;
        if (!this.#listen()) break;
      }
    } finally {
      this.#draining = false;
    }
  }

  /**
   * A worker that ran dry spins briefly for work (`_pool_lane.ts`); `true`
   * when a message came that way (it is handled, its tasks queued).
   */
  #listen(): boolean {
    if (!this.#spins || this.#ended || this.#head < this.#queue.length) {
      return false;
    }
    const text = listen(this.#control, this.#received, SPIN_MS);
    if (text === undefined) return false;
    this.#take(expand<ParentMessage>(text));
    return true;
  }

  async #runQueued(): Promise<void> {
    while (this.#head < this.#queue.length && !this.#ended) {
      const queue = this.#queue;
      const at = this.#head;
      this.#head = at + TASK_WORDS;
      const seq = queue[at] as number;
      if (!claim(this.#control, seq)) continue;
      this.#host.claimed?.(seq);
      const payload = queue[at + 3];
      queue[at + 3] = undefined;
      const running = this.#task(
        seq,
        queue[at + 1] as number,
        queue[at + 2] as number,
        payload,
      );
      if (running !== undefined) await running;
      // A result waits at most FLUSH_MS, or one task if tasks are long.
      const results = this.#results;
      if (
        results.size >= FLUSH_COUNT || results.age() >= FLUSH_MS ||
        results.lastRun >= FLUSH_MS
      ) this.#flush();
    }
    if (this.#head >= this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    }
    this.#flush();
  }

  /** Runs one task; returns a promise only when it has to wait. */
  #task(
    seq: number,
    fnId: number,
    kind: number,
    payload: unknown,
  ): Promise<void> | undefined {
    const start = since(this.#epoch);
    const fn = this.#fns.get(fnId);
    if (fn === undefined) {
      return this.#resolve(fnId).then(
        () => this.#task(seq, fnId, kind, payload),
        (error) => this.#results.fail(seq, FAILED, error, start),
      );
    }
    if (isEnvelope(payload)) {
      const transfer = loadedTransfer();
      if (transfer === undefined) {
        return loadTransfer().then(() => this.#task(seq, fnId, kind, payload));
      }
      try {
        payload = transfer.fromTransferable(payload);
      } catch (error) {
        return this.#results.fail(seq, FAILED, error, start);
      }
    }
    const args = payload as unknown[];
    if (
      kind !== CALL && !this.#warm && this.#spins &&
      (payload as ArrayLike<unknown>).length >= FLOAT64_CHUNK
    ) {
      // Bulk map chunks may return large results: pay the first transfer's
      // cost once this one is sent.
      this.#warm = true;
      setTimeout(warmTransfer, 0);
    }
    let value: unknown;
    try {
      const context = new TaskContext(seq, this.#control);
      value = this.#call(
        context,
        kind === MAP_CHUNK || kind === STARMAP_CHUNK
          ? () => runChunk(fn, kind, args)
          : () => fn(...args),
      );
    } catch (error) {
      return this.#results.fail(seq, THREW, error, start);
    }
    if (!isThenable(value)) return this.#results.ok(seq, value, start);
    return Promise.resolve(value).then(
      (v) => this.#results.ok(seq, v, start),
      (error) => this.#results.fail(seq, THREW, error, start),
    );
  }

  #flush(): void {
    this.#results.flush();
  }
}
