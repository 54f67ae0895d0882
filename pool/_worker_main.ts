/**
 * The bootstrap of a `"worker"` child. Its one mechanism: make sure the
 * parent always learns how the child ended.
 *
 * A worker is started from a small `data:` entry module (built by
 * `_spawn.ts`) that statically imports, in this order: a line naming the
 * task module, this module, and the task module; then it calls
 * `boot(taskModule)`. The child's name is the Worker's `name`; its pid and
 * daemon flag arrive with `init`. Static imports are loaded with the parent's
 * permissions, so a child with narrowed permissions can still load its task
 * module; and this module is evaluated before the task module, so it can:
 *
 * - mark the thread as importing its task module (`Process`/`Pool` creation
 *   at the task module's top level then throws instead of spawning forever);
 * - wrap `Deno.exit` and `self.close` (Deno tells the parent nothing when a
 *   worker ends itself): the wrappers flush results and post an `exit`
 *   message first;
 * - catch `error` and `unhandledrejection` (Deno only passes the parent a
 *   message string, and kills the parent unless it prevents the default):
 *   the real error is serialised into the `exit` message, and the child ends.
 *   A failure while importing the task module arrives here too.
 *
 * Messages that arrive before `boot()` are held until then.
 *
 * Children load this module's one-file build, `_worker_main_bundle.js`:
 * after editing it or a module it inlines, rebuild it with
 * `deno task bundle:worker` (a test fails until then).
 *
 * @module
 */
import { type HubLinkData, joinParentLink } from "../ipc/_sab_hub_link.ts";
import { bootState } from "./_boot_state.ts";
import { provideTransfer, type Transfer } from "./_child_codec.ts";
import {
  type BootInfo,
  compact,
  type ExitPhase,
  expand,
  type FnDef,
  type ParentMessage,
  RESULT_WORDS,
} from "./_protocol.ts";
import { movedBatch } from "./_transfer_list.ts";
import { checkExport } from "./_fn_table.ts";
import { Runner, type TaskFn } from "./_runner.ts";

const BOOT_INFO = Symbol.for("@mp/multiprocessing.bootInfo");

/** The worker's global scope, as far as this module uses it. */
const scope = globalThis as unknown as {
  postMessage(message: unknown, options?: StructuredSerializeOptions): void;
  onmessage: ((event: MessageEvent) => void) | null;
  close(): void;
};

const state = bootState();
const embedded = (globalThis as unknown as Record<
  symbol,
  { module: string } | undefined
>)[BOOT_INFO];
const info: BootInfo | undefined = embedded === undefined ? undefined : {
  module: embedded.module,
  name: String((globalThis as { name?: unknown }).name ?? ""),
  pid: 0, // set by init
  daemon: false, // set by init
};
state.info = info;
state.importing = info?.module;

const realExit = Deno.exit.bind(Deno);
const realClose = scope.close.bind(globalThis);
let namespace: Record<string, unknown> | undefined;
const held: ParentMessage[] = [];

function ending(code: number, phase: ExitPhase): void {
  if (phase === "exit") realExit(code);
  else realClose();
}

function resolve(def: FnDef): TaskFn {
  if (namespace === undefined) {
    throw new TypeError(`Cannot run function "${def.name}" before boot`);
  }
  return checkExport(namespace, def, info?.module ?? "(unknown)");
}

const runner = new Runner({
  post: (message) => {
    const text = compact(message);
    if (text !== undefined) return scope.postMessage(text);
    const moved = message.t === "results"
      ? movedBatch(message.batch, RESULT_WORDS, 2, () => false)
      : undefined;
    if (moved === undefined) return scope.postMessage(message);
    scope.postMessage({ ...message, batch: moved[0] }, {
      transfer: moved[1],
    });
  },
  resolve,
  end: ending,
  shared: false,
  report: (error) => {
    const name = info?.name ?? "child";
    console.error(`Process ${name}:`, error);
  },
});

Deno.exit = (code?: number): never => {
  runner.exit(code ?? Deno.exitCode, "exit");
  return realExit(code);
};
scope.close = (): void => {
  if (runner.ended) realClose();
  else runner.exit(0, "close");
};

function crash(event: Event, error: unknown): void {
  event.preventDefault();
  if (state.importing !== undefined) {
    runner.exit(1, "import", error);
  } else {
    runner.exit(1, "crash", error);
  }
}

addEventListener("error", (event) => {
  const e = event as ErrorEvent;
  crash(e, e.error ?? new Error(e.message));
});
addEventListener("unhandledrejection", (event) => {
  crash(event, (event as PromiseRejectionEvent).reason);
});

scope.onmessage = (event) => {
  const message = expand<ParentMessage>(event.data);
  const hub = (message as { hub?: HubLinkData }).hub;
  if (hub !== undefined) joinParentLink(hub); // the SAB hub's parent link
  if (namespace === undefined) held.push(message);
  else runner.handle(message);
};

/**
 * Called by the entry module once the task module has loaded, with the
 * transfer walk when the entry imported it (a child with narrowed
 * permissions could not import it later).
 */
export function boot(module: Record<string, unknown>, walk?: Transfer): void {
  if (walk !== undefined) provideTransfer(walk);
  namespace = module;
  state.importing = undefined;
  for (const message of held.splice(0)) runner.handle(message);
}
