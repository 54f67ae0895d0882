/**
 * Entry module of a Manager's server when it runs in its own Worker or
 * subprocess: reads the server configuration, opens the server, reports the
 * bound address, serves until told to stop, then ends its thread or process.
 *
 * - Worker: the parent posts `{ type: "start", config, beacon, agents }`
 *   (the server's beacon, see `_local_beacon.ts`, and the parent's agent
 *   table, see `sync/_agent.ts`, so that the server sees which client
 *   threads died); the worker answers
 *   `{ type: "ready", address, local }` or `{ type: "failed", error }` (an error
 *   record), later `{ type: "stopped" }`. `{ type: "stop" }` stops it.
 * - Subprocess (`deno run`): one JSON line on stdin (the authkey in base64),
 *   one JSON line back on stdout (`{ address }` or `{ error }`); the server
 *   stops when stdin closes, so it never outlives its parent.
 *
 * Either way a client's `shutdown` request stops it too. A Worker marks
 * its beacon gone however it ends (an uncaught error, `Deno.exit()`,
 * `close()`), so same-process clients waiting on a lane are released.
 *
 * @module
 */
import { joinAgentTable } from "../sync/_agent.ts";
import { ManagerServer, type ServerConfig } from "./_manager_server.ts";
import { markGone } from "./_local_beacon.ts";
import { readLine } from "./_line_reader.ts";
import { serializeError } from "./_transfer.ts";

interface WorkerScope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}

interface StartMessage {
  type: string;
  config?: ServerConfig;
  beacon?: SharedArrayBuffer;
  agents?: SharedArrayBuffer;
}

/**
 * Marks `beacon` gone however this Worker ends, and closes the server (its
 * lanes wake their blocked clients) when it still can.
 */
function markGoneOnEnd(
  scope: WorkerScope,
  beacon: Int32Array,
  server: () => ManagerServer | undefined,
): void {
  const gone = () => {
    markGone(beacon);
    server()?.close();
  };
  globalThis.addEventListener("error", gone);
  globalThis.addEventListener("unhandledrejection", gone);
  globalThis.addEventListener("unload", gone);
  const close = scope.close.bind(scope);
  scope.close = () => {
    gone();
    close();
  };
}

function runInWorker(scope: WorkerScope): void {
  let server: ManagerServer | undefined;
  scope.onmessage = async (event: MessageEvent) => {
    const message = event.data as StartMessage;
    if (message.type === "stop") {
      server?.close();
      return;
    }
    if (message.type !== "start" || server !== undefined) return;
    const beacon = new Int32Array(message.beacon!);
    markGoneOnEnd(scope, beacon, () => server);
    if (message.agents !== undefined) joinAgentTable(message.agents);
    try {
      server = await ManagerServer.open(message.config!, {
        beacon,
        dedicated: true,
      });
    } catch (error) {
      scope.postMessage({ type: "failed", error: serializeError(error) });
      scope.close();
      return;
    }
    scope.postMessage({
      type: "ready",
      address: server.address,
      local: server.local,
    });
    server.serve();
    await server.done;
    scope.postMessage({ type: "stopped" });
    scope.close();
  };
}

async function runInSubprocess(): Promise<void> {
  const write = (value: unknown) =>
    Deno.stdout.write(new TextEncoder().encode(JSON.stringify(value) + "\n"));
  let server: ManagerServer;
  try {
    const raw = JSON.parse(await readLine(Deno.stdin.readable));
    const config: ServerConfig = {
      address: raw.address,
      ...(raw.insecure ? { insecure: true } : {}),
      ...(raw.registrations ? { registrations: raw.registrations } : {}),
      ...(typeof raw.authkey === "string"
        ? {
          authkey: Uint8Array.from(atob(raw.authkey), (c) => c.charCodeAt(0)),
        }
        : {}),
    };
    server = await ManagerServer.open(config, { dedicated: true });
  } catch (error) {
    await write({
      error: { name: (error as Error).name, message: (error as Error).message },
    });
    Deno.exit(1);
  }
  await write({ address: server.address, local: server.local });
  server.serve();
  // The parent holds our stdin: when it closes (or dies), stop.
  Deno.stdin.readable.pipeTo(new WritableStream()).finally(() =>
    server.close()
  );
  await server.done;
  Deno.exit(0);
}

if (import.meta.main) {
  if ("WorkerGlobalScope" in globalThis) {
    runInWorker(globalThis as unknown as WorkerScope);
  } else {
    await runInSubprocess();
  }
}
