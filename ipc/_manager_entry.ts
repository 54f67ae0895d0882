/**
 * Entry module of a Manager's server when it runs in its own Worker or
 * subprocess: reads the server configuration, opens the server, reports the
 * bound address, serves until told to stop, then ends its thread or process.
 *
 * - Worker: the parent posts `{ type: "start", config }`; the worker answers
 *   `{ type: "ready", address, local }` or `{ type: "failed", error }` (an error
 *   record), later `{ type: "stopped" }`. `{ type: "stop" }` stops it.
 * - Subprocess (`deno run`): one JSON line on stdin (the authkey in base64),
 *   one JSON line back on stdout (`{ address }` or `{ error }`); the server
 *   stops when stdin closes, so it never outlives its parent.
 *
 * Either way a client's `shutdown` request stops it too.
 *
 * @module
 */
import { ManagerServer, type ServerConfig } from "./_manager_server.ts";
import { serializeError } from "./_transfer.ts";

interface WorkerScope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}

function runInWorker(scope: WorkerScope): void {
  let server: ManagerServer | undefined;
  scope.onmessage = async (event: MessageEvent) => {
    const message = event.data as { type: string; config?: ServerConfig };
    if (message.type === "stop") {
      server?.close();
      return;
    }
    if (message.type !== "start" || server !== undefined) return;
    try {
      server = await ManagerServer.open(message.config!);
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

async function readLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    reader.releaseLock();
  }
  return text.split("\n")[0]!;
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
    server = await ManagerServer.open(config);
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
