/**
 * One handle interface over the backends a child can run on; nothing outside
 * this file branches on the backend.
 *
 * A handle is created unstarted; `start()` launches the child, `send()`
 * posts a protocol message (`_protocol.ts`), `onMessage` receives the
 * child's messages, and `onExit(code)` is called exactly once, after the
 * child's last message, however it ended: its own `exit` message (the
 * bootstrap reports every self-inflicted end), a failure to load, or
 * `terminate()` (code `-15`) / `kill()` (code `-9`). `ref(false)` lets the
 * process exit while the child lives (daemons, idle pools).
 *
 * Adapters:
 *
 * - `"worker"`: a Web Worker started from a `data:` entry module that
 *   imports the bootstrap and the task module (see `_worker_main.ts`). The
 *   bootstrap is loaded from `_worker_main_bundle.js`, its one-file build
 *   (tests/pool/_bundle_worker_main.ts), which halves a child's start-up
 *   module loading; its modules with per-thread state stay separate. Small
 *   messages go as JSON strings (`compact`), large binary values as moved
 *   copies (`_transfer_list.ts`). The parent
 *   needs read access to the task module (and to this package's files when
 *   it is loaded from a local path); `permissions` become the Worker's
 *   `deno.permissions`, passed only when given.
 * - `"inline"`: the same runner on the caller's own event loop
 *   (`multiprocessing.dummy`). Messages are delivered on microtasks, values
 *   are not copied, and the caller's own function objects are used.
 * - `"subprocess"`: a `deno run` child process (`_subprocess_handle.ts`).
 *
 * @module
 */
import * as transferModule from "../ipc/_transfer.ts";
import { type ChildLink, openChildLink } from "../ipc/_sab_hub_link.ts";
import { provideTransfer } from "./_child_codec.ts";
import type { Backend } from "./backend.ts";
import { type Permissions, toWorkerPermissions } from "./permissions.ts";
import {
  type BootInfo,
  type ChildMessage,
  compact,
  type ExitPhase,
  expand,
  type FnDef,
  type ParentMessage,
  STARMAP_CHUNK,
  TASK_WORDS,
} from "./_protocol.ts";
import { movedBatch } from "./_transfer_list.ts";
import { checkExport, Runner, type TaskFn } from "./_runner.ts";
import { SubprocessHandle } from "./_subprocess_handle.ts";

export type { Backend };

/** The backends, for validation. */
export const BACKENDS: readonly Backend[] = ["worker", "subprocess", "inline"];

/** What a handle needs to start a child. */
export interface SpawnOptions {
  /** The backend. */
  backend: Backend;
  /** Name, pid, daemon flag and task module of the child. */
  info: BootInfo;
  /** Checked permissions, or `undefined` for the backend's default. */
  permissions: Permissions | undefined;
  /** The caller's own function for a definition (thread-sharing backends). */
  local: (def: FnDef) => TaskFn | undefined;
  /** V8 heap limit of a `"subprocess"` child in MiB. Default: V8's. */
  memoryLimitMb?: number | undefined;
}

/** A running child, whatever it runs on. */
export interface ChildHandle {
  /** Whether values sent to it leave this OS process (no shared memory). */
  readonly crossProcess: boolean;
  /** The OS process id, for backends that have one. */
  readonly pid: number | undefined;
  /** Receives the child's messages. */
  onMessage: (message: ChildMessage) => void;
  /** Called once when the child has ended. */
  onExit: (code: number) => void;
  /** Launches the child; throws when it cannot (e.g. `NotCapable`). */
  start(): void;
  /** Posts a message; throws a `DataCloneError` when it cannot be cloned. */
  send(message: ParentMessage): void;
  /** Ends the child (exit code `-15`). */
  terminate(): void;
  /** Ends the child at once (exit code `-9`). */
  kill(): void;
  /** Whether the child keeps the process alive. */
  ref(on: boolean): void;
}

/** Whether values sent to a child on `backend` leave this OS process. */
export function crossesProcess(backend: Backend): boolean {
  return backend === "subprocess";
}

/** Creates an unstarted handle for `options.backend`. */
export function createHandle(options: SpawnOptions): ChildHandle {
  switch (options.backend) {
    case "worker":
      return new WorkerHandle(options);
    case "inline":
      return new InlineHandle(options);
    case "subprocess":
      return new SubprocessHandle(options);
  }
}

const BOOTSTRAP = new URL("./_worker_main_bundle.js", import.meta.url).href;
const BOOT_INFO_KEY = "@mp/multiprocessing.bootInfo";

function exitMessage(
  code: number,
  phase: ExitPhase,
  error: Error,
): ChildMessage {
  return {
    t: "exit",
    code,
    phase,
    error: transferModule.serializeError(error),
  };
}

const TRANSFER = new URL("../ipc/_transfer.ts", import.meta.url).href;
const entries = new Map<string, string>();

/**
 * The worker's entry module: the task module's URL first, then the
 * bootstrap, then the task module, then `boot()`. It is the same for every
 * child of one task module (the child's name comes from the Worker's `name`,
 * the rest with `init`), so Deno loads and compiles it once. A child with
 * narrowed permissions also gets the transfer walk from its entry (loaded
 * with the parent's permissions), since it might not be allowed to import
 * it later; other children load it only when a task needs it.
 */
function entryUrl(module: string, narrowed: boolean): string {
  const key = `${narrowed}:${module}`;
  let url = entries.get(key);
  if (url === undefined) {
    const setInfo = `globalThis[Symbol.for(${
      JSON.stringify(BOOT_INFO_KEY)
    })] = ${JSON.stringify({ module })};`;
    const source = [
      `import "data:text/javascript,${encodeURIComponent(setInfo)}";`,
      `import { boot } from ${JSON.stringify(BOOTSTRAP)};`,
      `import * as task from ${JSON.stringify(module)};`,
      ...(narrowed
        ? [
          `import * as walk from ${JSON.stringify(TRANSFER)};`,
          `boot(task, walk);`,
        ]
        : [`boot(task);`]),
    ].join("\n");
    url = `data:text/javascript,${encodeURIComponent(source)}`;
    entries.set(key, url);
  }
  return url;
}

/** Deno's internal ref/unref of a Worker's message polling, when present. */
const refWorker: ((worker: Worker, on: boolean) => void) | undefined = (() => {
  for (const key of Object.getOwnPropertySymbols(Worker.prototype)) {
    const method = (Worker.prototype as unknown as Record<symbol, unknown>)[
      key
    ];
    if (
      typeof method === "function" && method.length === 1 &&
      String(method).includes("refCount")
    ) {
      return (worker, on) => method.call(worker, on);
    }
  }
  return undefined;
})();

class WorkerHandle implements ChildHandle {
  readonly crossProcess = false;
  readonly pid = undefined;
  onMessage: (message: ChildMessage) => void = () => {};
  onExit: (code: number) => void = () => {};
  readonly #options: SpawnOptions;
  #worker: Worker | undefined;
  #hub: ChildLink | undefined;
  #closed = false;
  #reported = false;
  #refd = true;

  constructor(options: SpawnOptions) {
    this.#options = options;
  }

  start(): void {
    const { info, permissions } = this.#options;
    const workerOptions: WorkerOptions = { type: "module", name: info.name };
    if (permissions !== undefined) {
      workerOptions.deno = { permissions: toWorkerPermissions(permissions) };
    }
    const worker = new Worker(
      entryUrl(info.module, permissions !== undefined),
      workerOptions,
    );
    this.#worker = worker;
    worker.onmessage = (event: MessageEvent) => {
      if (this.#closed) return;
      const message = expand<ChildMessage>(event.data);
      this.onMessage(message);
      if (message.t === "exit") this.#end(message.code);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      if (this.#closed) return;
      let text = event.message;
      if (/Requires read access/.test(text)) {
        text += ` (a "worker" child needs read access to its task module ` +
          `${info.module}, and to this package's files when it is loaded from ` +
          `a local path: run the parent with --allow-read for them)`;
      }
      this.onMessage(exitMessage(1, "import", new Error(text)));
      this.#end(1);
    };
    worker.onmessageerror = () => {
      if (this.#closed) return;
      this.onMessage(
        exitMessage(
          1,
          "crash",
          new Error(`A message from child "${info.name}" could not be read`),
        ),
      );
      this.#end(1);
    };
    if (!this.#refd) refWorker?.(worker, false);
  }

  send(message: ParentMessage): void {
    if (this.#closed || this.#worker === undefined) return;
    if (message.t === "init") {
      // The SAB hub's link to the child rides in `init` (ipc/_sab_hub.ts).
      const hub = this.#hub = openChildLink();
      const init = hub === undefined
        ? message
        : { ...message, hub: hub.payload };
      return this.#worker.postMessage(init, { transfer: hub?.transfer ?? [] });
    }
    const text = compact(message);
    if (text !== undefined) {
      this.#worker.postMessage(text);
      return;
    }
    const moved = message.t === "run"
      ? movedBatch(
        message.batch,
        TASK_WORDS,
        3,
        (i) => message.batch[i + 2] === STARMAP_CHUNK,
      )
      : undefined;
    if (moved === undefined) {
      this.#worker.postMessage(message);
    } else {
      this.#worker.postMessage({ ...message, batch: moved[0] }, {
        transfer: moved[1],
      });
    }
  }

  terminate(): void {
    this.#stop(-15);
  }

  kill(): void {
    this.#stop(-9);
  }

  ref(on: boolean): void {
    if (on === this.#refd) return;
    this.#refd = on;
    if (this.#worker !== undefined && !this.#closed) {
      refWorker?.(this.#worker, on);
    }
  }

  #stop(code: number): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#worker?.terminate();
    this.#hub?.close();
    queueMicrotask(() => this.#end(code));
  }

  #end(code: number): void {
    if (this.#reported) return;
    this.#reported = true;
    this.#closed = true;
    this.#worker?.terminate();
    this.#hub?.close();
    this.onExit(code);
  }
}

class InlineHandle implements ChildHandle {
  readonly crossProcess = false;
  readonly pid = undefined;
  onMessage: (message: ChildMessage) => void = () => {};
  onExit: (code: number) => void = () => {};
  readonly #options: SpawnOptions;
  #runner: Runner | undefined;
  #ended = false;

  constructor(options: SpawnOptions) {
    this.#options = options;
  }

  start(): void {
    const { info, local } = this.#options;
    provideTransfer(transferModule); // this thread has it loaded already
    let namespace: Promise<Record<string, unknown>> | undefined;
    this.#runner = new Runner({
      post: (message) => {
        queueMicrotask(() => {
          if (this.#ended) return;
          this.onMessage(message);
          if (message.t === "exit") {
            this.#ended = true;
            this.onExit(message.code);
          }
        });
      },
      resolve: (def) => {
        const own = local(def);
        if (own !== undefined) return own;
        namespace ??= import(info.module);
        return namespace.then((ns) => checkExport(ns, def, info.module));
      },
      end: () => {},
      shared: true,
    });
  }

  send(message: ParentMessage): void {
    if (this.#ended) return;
    queueMicrotask(() => this.#runner?.handle(message));
  }

  terminate(): void {
    this.#stop(-15);
  }

  kill(): void {
    this.#stop(-9);
  }

  ref(_on: boolean): void {}

  #stop(code: number): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#runner?.halt();
    queueMicrotask(() => this.onExit(code));
  }
}
