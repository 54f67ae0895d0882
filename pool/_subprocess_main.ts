/**
 * The bootstrap of a `"subprocess"` child, started as `deno run --no-prompt
 * <flags> <entry> <boot info JSON> <parent pid>`. The entry is a `data:`
 * module that imports this one, then the task module with a dynamic import
 * of a literal URL (so it is part of the module graph, which Deno loads
 * without permissions, yet a failure to load it can be caught), and hands
 * it to `boot()` (or the error to `failImport()`). It speaks the `_protocol.ts` messages
 * through the frames of `_subprocess_protocol.ts` (stdin in, stdout out) and
 * runs tasks with the same `Runner` as a worker. Its one mechanism: make
 * sure the parent always learns how the child ended, and that a child never
 * outlives its parent.
 *
 * - Before the task module loads: output is redirected into frames
 *   (`_subprocess_output.ts`), `Deno.exit` is wrapped (results and an `exit`
 *   message go first), and `error` / `unhandledrejection` are caught (the
 *   real error is sent in the `exit` message).
 * - The task module is imported while the thread is marked as importing it,
 *   so a module that starts children at top level throws instead of spawning
 *   forever. Messages that arrive before `boot()` are held.
 * - Every claimed task is announced with a synchronous `CLAIM` frame before
 *   it runs, so the parent knows which task a dead child was running.
 * - Queues and pipe ends the parent sent work through `REPLY` frames
 *   (`_subprocess_bridge.ts`).
 * - Orphans: when stdin ends (the parent died or let go), the child exits.
 *   A task stuck in synchronous code cannot see that, so a tiny watchdog
 *   worker polls `Deno.ppid` and kills its own process (`Deno.kill` of its
 *   own pid needs no permission) once the parent is gone.
 *
 * @module
 */
import { agentTable } from "../sync/_agent.ts";
import { FrameDecoder } from "../ipc/_wire.ts";
import { bootState } from "./_boot_state.ts";
import {
  assign,
  type BootInfo,
  CONTROL_BYTES,
  type FnDef,
  TASK_WORDS,
} from "./_protocol.ts";
import { checkExport } from "./_fn_table.ts";
import { Runner, type TaskFn } from "./_runner.ts";
import {
  decodeBridgeReply,
  decodeParentMessage,
  encodeClaim,
  encodeMessage,
  MESSAGE,
  REPLY,
  type WireParentMessage,
} from "./_subprocess_protocol.ts";
import { settleBridge, useBridge } from "./_subprocess_bridge.ts";
import { redirectOutput, writeFrameSync } from "./_subprocess_output.ts";
import { useTransferLoader } from "./_child_codec.ts";

// A literal dynamic import is part of the module graph, which Deno loads
// without permissions: the runner can load the transfer walk even when the
// child may not read this package.
useTransferLoader(() => import("../ipc/_transfer.ts"));

const info = JSON.parse(Deno.args[0] ?? "null") as BootInfo;
const parentPid = Number(Deno.args[1]);
info.pid = Deno.pid;

watchParent(parentPid);
await redirectOutput();
// Queues and pipe ends sent by the parent arrive as bridges to it.
useBridge(writeFrameSync);

const state = bootState();
state.info = info;
state.importing = info.module;

const realExit = Deno.exit.bind(Deno);
const control = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES));
let namespace: Record<string, unknown> | undefined;
const held: WireParentMessage[] = [];

function resolve(def: FnDef): TaskFn {
  if (namespace === undefined) {
    throw new TypeError(`Cannot run function "${def.name}" before boot`);
  }
  return checkExport(namespace, def, info.module);
}

const runner = new Runner({
  post: (message) => writeFrameSync(encodeMessage(message, "message")),
  resolve,
  end: (code) => realExit(code),
  shared: false,
  report: (error) => console.error(`Process ${info.name}:`, error),
  claimed: (seq) => writeFrameSync(encodeClaim(seq)),
});

Deno.exit = (code?: number): never => {
  runner.exit(code ?? Deno.exitCode, "exit");
  return realExit(code);
};
// `close()` ends a Deno main thread as `self.close()` ends a worker: the
// same report, the same exit code 0.
(globalThis as unknown as { close(): void }).close = (): void => {
  runner.exit(0, "close");
};

function crash(event: Event, error: unknown): void {
  event.preventDefault();
  runner.exit(1, state.importing !== undefined ? "import" : "crash", error);
}

addEventListener("error", (event) => {
  const e = event as ErrorEvent;
  crash(e, e.error ?? new Error(e.message));
});
addEventListener("unhandledrejection", (event) => {
  crash(event, (event as PromiseRejectionEvent).reason);
});

/** Hands a parent message to the runner, with this child's own memory. */
function deliver(message: WireParentMessage): void {
  switch (message.t) {
    case "init":
      runner.handle({
        ...message,
        agents: agentTable(),
        control: control.buffer as SharedArrayBuffer,
      });
      break;
    case "run":
      // The parent assigned these tasks; the runner claims them here.
      for (let i = 0; i < message.batch.length; i += TASK_WORDS) {
        assign(control, message.batch[i] as number);
      }
      runner.handle(message);
      break;
    default:
      runner.handle(message);
  }
}

async function listen(): Promise<void> {
  const decoder = new FrameDecoder();
  // Deno.stdin.read() has a shorter path than the stdin ReadableStream.
  let buffer = new Uint8Array(64 * 1024);
  try {
    while (true) {
      const n = await Deno.stdin.read(buffer);
      if (n === null) break;
      // The decoder keeps what it is given: never read over those bytes.
      decoder.push(buffer.subarray(0, n));
      buffer = buffer.subarray(n);
      if (buffer.length < 4096) buffer = new Uint8Array(64 * 1024);
      for (let f = decoder.next(); f !== undefined; f = decoder.next()) {
        if (f.tag === REPLY) {
          settleBridge(decodeBridgeReply(f.payload));
          continue;
        }
        if (f.tag !== MESSAGE) {
          throw new TypeError(
            `Cannot read a frame from the parent as its tag is not a message: received ${f.tag}`,
          );
        }
        const message = decodeParentMessage(f.payload);
        if (namespace === undefined) held.push(message);
        else deliver(message);
      }
    }
    decoder.end();
  } catch (error) {
    runner.exit(
      1,
      "crash",
      new Error(
        `Child "${info.name}" stopped as its parent's messages could not be read: ${
          (error as Error).message
        }`,
        { cause: error },
      ),
    );
    return;
  }
  // The parent closed our stdin: it is gone, or it let us go.
  runner.halt();
  realExit(0);
}

/**
 * Starts a worker that kills this process once `pid` is no longer its
 * parent (re-parented after the parent died), even while the main thread is
 * stuck in synchronous code.
 */
function watchParent(pid: number): void {
  const source = `const parent = ${pid};
const check = () => { if (Deno.ppid !== parent) Deno.kill(Deno.pid, "SIGKILL"); };
check();
setInterval(check, 100);`;
  new Worker(`data:text/javascript,${encodeURIComponent(source)}`, {
    type: "module",
    name: "parent-watchdog",
  });
}

void listen();

/** Called by the entry module once the task module has loaded. */
export function boot(module: Record<string, unknown>): void {
  namespace = module;
  state.importing = undefined;
  for (const message of held.splice(0)) deliver(message);
}

/** Called by the entry module when the task module failed to load. */
export function failImport(error: unknown): void {
  runner.exit(1, "import", error);
}
