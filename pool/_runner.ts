/**
 * The child-side task engine: runs the tasks of `run` batches one at a time,
 * in order, and sends their results back in batches.
 *
 * Used by the worker bootstrap (`_worker_main.ts`) and, on the caller's own
 * thread, by the inline backend. Its one mechanism is the run loop:
 *
 * 1. Claim the next task in the control block (`_protocol.ts`); a task the
 *    parent took back is skipped. Record `CURRENT`, `STARTED_AT`, `STATE`.
 * 2. Call the function; await it only when it returns a promise.
 * 3. Queue the result (a long all-number chunk as a `Float64Array`). Results are flushed (one `results` message) when the
 *    local queue runs dry, every `FLUSH_COUNT` results, before awaiting when
 *    the oldest queued result is older than `FLUSH_MS`, and before the child
 *    ends for any reason. So a child that dies or is retired delivers every
 *    result it computed; only a child stuck for good in synchronous code
 *    holds back the results of its last `FLUSH_MS` of work.
 *
 * A child ends through `exit()`: the results are flushed, an `exit` message
 * says why, and the host ends the thread. After that no task is claimed.
 *
 * @module
 */
import { adoptAgentId } from "../sync/_agent.ts";
import { type ErrorRecord, MARK, recordError } from "../ipc/_error_record.ts";
import { bootState, type TaskContextLike } from "./_boot_state.ts";
import {
  ABORT,
  ABORT_KIND,
  AWAITING,
  type ChildMessage,
  claim,
  CONTROL_BYTES,
  CURRENT,
  ENDED,
  type EntryMessage,
  type ExitPhase,
  FAILED,
  type FnDef,
  IDLE,
  MAP_CHUNK,
  numbersAsFloat64,
  OK,
  type ParentMessage,
  RESULT_WORDS,
  RUNNING_SYNC,
  since,
  STARMAP_CHUNK,
  STARTED_AT,
  STATE,
  TASK_WORDS,
  TERMINATED,
  THREW,
  TIMED_OUT,
} from "./_protocol.ts";

/** A task function. */
// deno-lint-ignore no-explicit-any
export type TaskFn = (...args: any[]) => unknown;

/** What the runner needs from the thread it runs in. */
export interface RunnerHost {
  /** Sends a message to the parent. May throw a `DataCloneError`. */
  post(message: ChildMessage): void;
  /** Finds a task function; throws the `TypeError` when it cannot. */
  resolve(def: FnDef): TaskFn | Promise<TaskFn>;
  /** Ends the child, after its `exit` message was posted. */
  end(code: number, phase: ExitPhase): void;
  /** Other code shares the thread (inline): track tasks per async context. */
  shared: boolean;
  /** Prints an entry's uncaught error as Python does (process mode). */
  report?: (error: unknown) => void;
  /**
   * Called when task `seq` was claimed, just before it runs (a subprocess
   * child tells its parent, which cannot see its control block).
   */
  claimed?: (seq: number) => void;
}

const FLUSH_COUNT = 32;
const FLUSH_MS = 1;

const abortedGetter = Object.getOwnPropertyDescriptor(
  AbortSignal.prototype,
  "aborted",
)!.get!;
const reasonGetter = Object.getOwnPropertyDescriptor(
  AbortSignal.prototype,
  "reason",
)!.get!;

function abortReason(kind: number): DOMException {
  return kind === TIMED_OUT
    ? new DOMException("The task timed out", "TimeoutError")
    : new DOMException(
      kind === TERMINATED ? "The child was terminated" : "The task was aborted",
      "AbortError",
    );
}

/**
 * `currentTask()` of one task. Its signal is made on first use; it aborts on
 * an `abort` message and, for synchronous loops that never yield, whenever
 * the task reads `signal.aborted` (or `reason`, `throwIfAborted()`) after the
 * parent set the control block's `ABORT` word.
 */
class TaskContext implements TaskContextLike {
  readonly id: number;
  readonly #control: Int32Array;
  #controller: AbortController | undefined;

  constructor(id: number, control: Int32Array) {
    this.id = id;
    this.#control = control;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = new AbortController();
      const signal = controller.signal;
      let polling = false;
      const poll = () => {
        if (polling || abortedGetter.call(signal)) return;
        const word = Atomics.load(this.#control, ABORT);
        if (word === -1 || (word > 0 && word === this.id)) {
          polling = true; // abort() reads `aborted` again
          try {
            controller.abort(
              abortReason(Atomics.load(this.#control, ABORT_KIND)),
            );
          } finally {
            polling = false;
          }
        }
      };
      Object.defineProperties(signal, {
        aborted: {
          get: () => (poll(), abortedGetter.call(signal) as boolean),
        },
        reason: { get: () => (poll(), reasonGetter.call(signal)) },
        throwIfAborted: {
          value: () => {
            poll();
            AbortSignal.prototype.throwIfAborted.call(signal);
          },
        },
      });
      this.#controller = controller;
      poll();
    }
    return this.#controller.signal;
  }

  abort(): void {
    const controller = this.#controller;
    if (controller === undefined || controller.signal.aborted) return;
    controller.abort(abortReason(Atomics.load(this.#control, ABORT_KIND)));
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null &&
    typeof (value as { then?: unknown }).then === "function";
}

type Transfer = typeof import("../ipc/_transfer.ts");

/**
 * The transfer walk (`ipc/_transfer.ts`), evaluated on first need: it
 * brings the registry of every shareable class, so a child whose tasks only
 * pass plain values starts without evaluating the whole package. (A literal
 * dynamic import is part of the static module graph, so a child with
 * narrowed permissions can still import it.)
 */
let transfer: Transfer | undefined;
let loading: Promise<Transfer> | undefined;

function loadTransfer(): Promise<Transfer> {
  return loading ??= import("../ipc/_transfer.ts").then((m) => transfer = m);
}

function isEnvelope(value: unknown): boolean {
  return typeof value === "object" && value !== null &&
    (value as Record<string, unknown>)[MARK] === "value";
}

function isPrimitive(value: unknown): boolean {
  const type = typeof value;
  return type === "object"
    ? value === null
    : type !== "function" && type !== "symbol";
}

/**
 * An error record, synchronously: the full walk when it is loaded, else a
 * plain record (class, name, message, stack; nested values as text).
 */
function errorRecord(error: unknown): ErrorRecord {
  if (transfer !== undefined) return transfer.serializeError(error);
  const text = (value: unknown): unknown =>
    value instanceof Error
      ? recordError(value, text, () => {})
      : isPrimitive(value)
      ? value
      : String(value);
  if (error instanceof Error) return recordError(error, text, () => {});
  return {
    [MARK]: "error",
    className: "",
    name: "",
    message: String(error),
    props: {},
    thrown: text(error),
  };
}

/** A chunk some of whose items threw: `[status, value, …]` per item. */
class ChunkOutcomes {
  constructor(readonly outcomes: unknown[]) {}
}

let storage:
  | import("node:async_hooks").AsyncLocalStorage<TaskContext>
  | undefined;

async function sharedStorage(): Promise<
  import("node:async_hooks").AsyncLocalStorage<TaskContext>
> {
  if (storage === undefined) {
    const { AsyncLocalStorage } = await import("node:async_hooks");
    storage = new AsyncLocalStorage<TaskContext>();
    const current = storage;
    bootState().inlineTask = () => current.getStore();
  }
  return storage;
}

/**
 * Finds the export `def` names in a task module's namespace and checks that
 * it is the caller's function (same source text).
 */
export function checkExport(
  namespace: Record<string, unknown>,
  def: FnDef,
  module: string,
): TaskFn {
  if (def.name === "") {
    throw new TypeError(
      `Cannot run an anonymous function in a child as it can only import exports by name: ` +
        `export a named function from ${module} and pass it, or its name`,
    );
  }
  const found = namespace[def.name];
  if (typeof found !== "function") {
    throw new TypeError(
      `Cannot run function "${def.name}" as module ${module} does not export it: ` +
        `export it from that module (a child imports its tasks by name), or ` +
        `pass the module that exports it as the \`module\` option`,
    );
  }
  if (def.src !== null && found.toString() !== def.src) {
    throw new TypeError(
      `Cannot run function "${def.name}" as module ${module} exports a different ` +
        `function under that name: pass the exported function itself (not a ` +
        `local function or an alias of the same name), or its export name as a string`,
    );
  }
  return found as TaskFn;
}

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
  #pending: unknown[] = [];
  #lastFlush = 0;
  #slowAwaits = false;
  #mode: "process" | "pool" | undefined;

  constructor(host: RunnerHost) {
    this.#host = host;
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

  /** Handles one message from the parent. */
  handle(message: ParentMessage): void {
    if (this.#ended) return;
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
    const info = bootState().info;
    if (info !== undefined) {
      info.pid = message.pid;
      info.daemon = message.daemon;
    }
    this.#control = new Int32Array(message.control);
    this.#epoch = message.epoch;
    this.#mode = message.mode;
    this.#define(message.fns);
    if (this.#host.shared) await sharedStorage();
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
      if (storage !== undefined) {
        result = storage.run(context, body);
      } else {
        bootState().task = context;
        result = body();
      }
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
      this.#pending.length > 0 &&
      (this.#slowAwaits || performance.now() - this.#lastFlush >= FLUSH_MS)
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
    bootState().task = undefined;
  }

  async #drain(): Promise<void> {
    if (this.#draining || !this.#ready) return;
    this.#draining = true;
    try {
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
        if (
          this.#pending.length >= FLUSH_COUNT * RESULT_WORDS ||
          performance.now() - this.#lastFlush >= FLUSH_MS
        ) this.#flush();
      }
    } finally {
      this.#draining = false;
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
        (error) => this.#fail(seq, FAILED, error, start),
      );
    }
    if (isEnvelope(payload)) {
      if (transfer === undefined) {
        return loadTransfer().then(() => this.#task(seq, fnId, kind, payload));
      }
      try {
        payload = transfer.fromTransferable(payload);
      } catch (error) {
        return this.#fail(seq, FAILED, error, start);
      }
    }
    const args = payload as unknown[];
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
      return this.#fail(seq, THREW, error, start);
    }
    if (!isThenable(value)) return this.#settle(seq, value, start);
    return Promise.resolve(value).then(
      (v) => this.#settle(seq, v, start),
      (error) => this.#fail(seq, THREW, error, start),
    );
  }

  #settle(
    seq: number,
    value: unknown,
    start: number,
  ): Promise<void> | undefined {
    if (isPrimitive(value) || value instanceof Float64Array) {
      this.#result(seq, OK, value, start);
      return undefined;
    }
    if (transfer === undefined) {
      return loadTransfer().then(() => this.#settle(seq, value, start));
    }
    let encoded: unknown;
    try {
      if (value instanceof ChunkOutcomes) {
        const outcomes = value.outcomes;
        for (let i = 0; i < outcomes.length; i += 2) {
          outcomes[i + 1] = outcomes[i] === OK
            ? transfer.toTransferable(outcomes[i + 1], { name: "result" })
            : transfer.serializeError(outcomes[i + 1]);
        }
        encoded = { outcomes };
      } else {
        encoded = transfer.toTransferable(value, { name: "result" });
      }
    } catch (error) {
      this.#result(seq, FAILED, transfer.serializeError(error), start);
      return undefined;
    }
    this.#result(seq, OK, encoded, start);
    return undefined;
  }

  /** Records a failure, with the full error walk (loaded first if needed). */
  #fail(
    seq: number,
    status: number,
    error: unknown,
    start: number,
  ): Promise<void> | undefined {
    if (transfer === undefined) {
      return loadTransfer().then(
        () => this.#fail(seq, status, error, start),
        () => this.#result(seq, status, errorRecord(error), start),
      );
    }
    this.#result(seq, status, transfer.serializeError(error), start);
    return undefined;
  }

  #result(seq: number, status: number, value: unknown, start: number): void {
    if (this.#ended) return;
    if (this.#pending.length === 0) this.#lastFlush = performance.now();
    const end = since(this.#epoch);
    // Times in whole microseconds: shorter as JSON, exact enough for stats.
    this.#pending.push(
      seq,
      status,
      value,
      Math.round(start * 1000),
      Math.round((end - start) * 1000),
    );
  }

  #flush(): void {
    this.#lastFlush = performance.now();
    const batch = this.#pending;
    if (batch.length === 0 || this.#ended) return;
    this.#pending = [];
    try {
      this.#host.post({ t: "results", batch });
    } catch {
      // Some result cannot be cloned after all: send them one by one and
      // turn the ones that fail into the library's TypeError.
      for (let i = 0; i < batch.length; i += RESULT_WORDS) {
        const one = batch.slice(i, i + RESULT_WORDS);
        try {
          this.#host.post({ t: "results", batch: one });
        } catch (error) {
          one[1] = FAILED;
          one[2] = errorRecord(
            new TypeError(
              `Cannot send the result of task ${one[0]} to the parent: ${
                (error as Error).message
              }`,
              { cause: error },
            ),
          );
          this.#host.post({ t: "results", batch: one });
        }
      }
    }
  }
}

/**
 * Runs a map chunk item by item (an item that returns a promise is awaited
 * before the next starts). The result is the array of results, or
 * `{ outcomes: [status, value, …] }` when some item threw.
 */
function runChunk(
  fn: TaskFn,
  kind: number,
  items: ArrayLike<unknown>,
): unknown {
  const star = kind === STARMAP_CHUNK;
  const results: unknown[] = new Array(items.length);
  let failed: Set<number> | undefined;
  const finish = () => {
    if (failed === undefined) return numbersAsFloat64(results) ?? results;
    const outcomes: unknown[] = [];
    for (let i = 0; i < results.length; i++) {
      outcomes.push(failed.has(i) ? THREW : OK, results[i]);
    }
    return new ChunkOutcomes(outcomes);
  };
  const from = (start: number): unknown => {
    for (let i = start; i < items.length; i++) {
      let r: unknown;
      try {
        r = star ? fn(...(items[i] as unknown[])) : fn(items[i]);
      } catch (error) {
        results[i] = error;
        (failed ??= new Set()).add(i);
        continue;
      }
      if (isThenable(r)) {
        return Promise.resolve(r).then((v) => {
          results[i] = v;
        }, (error) => {
          results[i] = error;
          (failed ??= new Set()).add(i);
        }).then(() => from(i + 1));
      }
      results[i] = r;
    }
    return finish();
  };
  return from(0);
}
