/**
 * The caller's record of one child: its handle, control block, agent id and
 * exit, and the registry of live children behind `activeChildren()`.
 *
 * A child is live from `start()` until its handle reports the exit. On exit
 * its agent id is marked dead (`sync/_agent.ts`), so locks it held become
 * abandoned instead of deadlocking the others.
 *
 * @module
 */
import { agentTable, markAgentDead, reserveAgentId } from "../sync/_agent.ts";
import { blockTable } from "../shared/_block_table.ts";
import type { ErrorRecord } from "../ipc/_transfer.ts";
import type { FnTable } from "./_fn_table.ts";
import type { Permissions } from "./permissions.ts";
import {
  ABORT,
  ABORT_KIND,
  type ChildMessage,
  CONTROL_BYTES,
  type ExitPhase,
  type FnDef,
  type ParentMessage,
  since,
  TERMINATED,
} from "./_protocol.ts";
import { type Backend, type ChildHandle, createHandle } from "./_spawn.ts";

/** What a child is started with. */
export interface ChildOptions {
  name: string;
  daemon: boolean;
  backend: Backend;
  /** The task module's URL. */
  module: string;
  permissions: Permissions | undefined;
  /** V8 heap limit of a `"subprocess"` child in MiB. Default: V8's. */
  memoryLimitMb?: number | undefined;
  mode: "process" | "pool";
  fns: FnTable;
}

const live = new Set<Child>();

/** Children started and not yet ended, oldest first. */
export function liveChildren(): Child[] {
  return [...live];
}

/** One child, from the caller's side. */
export class Child {
  readonly name: string;
  readonly daemon: boolean;
  readonly agentId: number;
  readonly control: Int32Array;
  /** Time origin of the control block's `STARTED_AT` (ms). */
  readonly epoch: number;
  /** The facade `activeChildren()` returns for it (a `Process`). */
  owner: object | undefined;
  exitCode: number | null = null;
  exitPhase: ExitPhase | undefined;
  exitError: ErrorRecord | null = null;
  /** Resolves with the exit code. */
  readonly exited: Promise<number>;
  /** The owner's message hook. */
  onMessage: (message: ChildMessage) => void = () => {};
  /** The owner's exit hook (after `exitCode` is set). */
  onExit: (code: number) => void = () => {};
  readonly #handle: ChildHandle;
  readonly #fns: FnTable;
  readonly #mode: "process" | "pool";
  readonly #sent = new Set<number>();
  #started = false;
  #resolveExited!: (code: number) => void;

  constructor(options: ChildOptions) {
    this.name = options.name;
    this.daemon = options.daemon;
    this.#fns = options.fns;
    this.#mode = options.mode;
    this.agentId = reserveAgentId();
    this.control = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES));
    this.epoch = since(0);
    this.exited = new Promise((resolve) => this.#resolveExited = resolve);
    this.#handle = createHandle({
      backend: options.backend,
      info: {
        name: this.name,
        pid: this.agentId,
        daemon: this.daemon,
        module: options.module,
      },
      permissions: options.permissions,
      memoryLimitMb: options.memoryLimitMb,
      local: (def) => this.#fns.local(def),
    });
  }

  /** The child's pid: the OS pid of a subprocess, the agent id of a thread. */
  get pid(): number {
    return this.#handle.pid ?? this.agentId;
  }

  /** Whether values sent to it leave this OS process. */
  get crossProcess(): boolean {
    return this.#handle.crossProcess;
  }

  /** Started and not yet ended. */
  get alive(): boolean {
    return this.#started && this.exitCode === null;
  }

  /**
   * Launches the child and sends its `init` message with `entry` (the
   * target, or a pool's initializer).
   *
   * @throws What the backend throws when it cannot start (`NotCapable`, …).
   */
  start(entry: { fn: FnDef; args: unknown } | null): void {
    const handle = this.#handle;
    handle.onMessage = (message) => {
      if (message.t === "exit") {
        this.exitPhase = message.phase;
        this.exitError = message.error;
      }
      this.onMessage(message);
    };
    handle.onExit = (code) => this.#ended(code);
    handle.start();
    this.#started = true;
    live.add(this);
    if (this.daemon || this.#mode === "pool") handle.ref(false);
    if (entry !== null) this.#sent.add(entry.fn.id);
    handle.send({
      t: "init",
      agents: agentTable(),
      blocks: blockTable(),
      agentId: this.agentId,
      pid: this.pid,
      daemon: this.daemon,
      control: this.control.buffer as SharedArrayBuffer,
      epoch: this.epoch,
      mode: this.#mode,
      fns: entry === null ? [] : [entry.fn],
      entry: entry === null ? null : { fn: entry.fn.id, args: entry.args },
    });
  }

  /** The definitions among `ids` this child has not been sent yet. */
  unsent(ids: Iterable<number>): FnDef[] | null {
    let out: FnDef[] | null = null;
    for (const id of ids) {
      if (this.#sent.has(id)) continue;
      this.#sent.add(id);
      (out ??= []).push(this.#fns.get(id));
    }
    return out;
  }

  /** Posts a message; throws a `DataCloneError` when it cannot be cloned. */
  send(message: ParentMessage): void {
    this.#handle.send(message);
  }

  /** Aborts the `currentTask()` signal of task `seq` (`-1`: any task). */
  abort(seq: number, kind: number): void {
    Atomics.store(this.control, ABORT_KIND, kind);
    Atomics.store(this.control, ABORT, seq);
    this.#handle.send({ t: "abort", seq });
  }

  /** Ends the child: aborts its task's signal, then stops it. */
  terminate(kill = false): void {
    if (!this.#started || this.exitCode !== null) return;
    Atomics.store(this.control, ABORT_KIND, TERMINATED);
    Atomics.store(this.control, ABORT, -1);
    if (kill) this.#handle.kill();
    else this.#handle.terminate();
  }

  /** Whether the child keeps the process alive. */
  ref(on: boolean): void {
    this.#handle.ref(on);
  }

  #ended(code: number): void {
    if (this.exitCode !== null) return;
    this.exitCode = code;
    live.delete(this);
    markAgentDead(this.agentId);
    this.#resolveExited(code);
    this.onExit(code);
  }
}
