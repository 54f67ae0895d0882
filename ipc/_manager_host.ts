/**
 * Starting and stopping a Manager's server in its own Worker or its own
 * subprocess (the entry module is `_manager_entry.ts`), and handing back
 * the address it bound.
 *
 * Stopping asks the server to close and waits for it to say so (or for the
 * subprocess to exit), then ends the Worker. The Worker's server beacon
 * (`_local_beacon.ts`) is made here, so that this side can mark it gone
 * when the Worker fails or is terminated: same-process clients waiting on
 * a lane are then released even though the server could not say so. A subprocess holds the write
 * end of its stdin in the parent: when the parent exits, even killed, stdin
 * closes and the server stops, so no orphan server is left behind.
 *
 * @module
 */
import { agentTable } from "../sync/_agent.ts";
import type { Address } from "./_socket_endpoint.ts";
import { createBeacon, isGone, markGone } from "./_local_beacon.ts";
import { readLine } from "./_line_reader.ts";
import type { ServerConfig } from "./_manager_server.ts";
import { deserializeError, type ErrorRecord } from "./_transfer.ts";

/** A running server in a Worker or a subprocess. */
export interface ManagerHandle {
  /** The bound address. */
  address: Address;
  /** The server's same-process name (see `_local_door.ts`). */
  local: string;
  /** Stops the server and waits until it has stopped. */
  stop(): Promise<void>;
}

const ENTRY = new URL("./_manager_entry.ts", import.meta.url);
const STOP_GRACE_MS = 5_000;

/** Starts the server in a new Worker. */
export function startServerWorker(
  config: ServerConfig,
): Promise<ManagerHandle> {
  const worker = new Worker(ENTRY, { type: "module", name: "manager" });
  const beacon = createBeacon();
  const end = () => {
    worker.terminate();
    markGone(beacon);
  };
  let stopped!: () => void;
  const done = new Promise<void>((resolve) => stopped = resolve);
  return new Promise<ManagerHandle>((resolve, reject) => {
    worker.onerror = (event) => {
      event.preventDefault();
      end();
      stopped();
      reject(
        new Error(
          `Cannot start Manager as its server failed: ${event.message}`,
        ),
      );
    };
    worker.onmessage = (event: MessageEvent) => {
      const message = event.data as {
        type: string;
        address?: Address;
        local?: string;
        error?: ErrorRecord;
      };
      if (message.type === "ready") {
        resolve({
          address: message.address!,
          local: message.local!,
          async stop() {
            if (!isGone(beacon)) {
              worker.postMessage({ type: "stop" });
              let timer: ReturnType<typeof setTimeout> | undefined;
              await Promise.race([
                done,
                new Promise<void>((r) => timer = setTimeout(r, STOP_GRACE_MS)),
              ]);
              clearTimeout(timer);
            }
            end();
          },
        });
      } else if (message.type === "failed") {
        end();
        stopped();
        reject(deserializeError(message.error!));
      } else if (message.type === "stopped") {
        stopped();
        end();
      }
    };
    worker.postMessage({
      type: "start",
      config,
      beacon: beacon.buffer,
      agents: agentTable(),
    });
  });
}

function base64(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

/** Starts the server in a `deno run` subprocess (needs `--allow-run`). */
export async function startServerProcess(
  config: ServerConfig,
): Promise<ManagerHandle> {
  const reads = (config.registrations ?? [])
    .map((r) => r.module)
    .filter((m) => m.startsWith("file:"))
    .map((m) => new URL(m).pathname);
  const args = [
    "run",
    "--no-prompt",
    "--allow-net",
    ...(reads.length > 0 ? [`--allow-read=${reads.join(",")}`] : []),
    ...("path" in config.address
      ? [
        `--allow-read=${config.address.path}`,
        `--allow-write=${config.address.path}`,
      ]
      : []),
    ENTRY.href,
  ];
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const stdin = child.stdin.getWriter();
  await stdin.write(
    new TextEncoder().encode(
      JSON.stringify({
        ...config,
        authkey: config.authkey === undefined
          ? undefined
          : base64(config.authkey),
      }) + "\n",
    ),
  );
  const line = await readLine(child.stdout);
  const reply = line === "" ? {} : JSON.parse(line);
  const drain = child.stdout.cancel().catch(() => {});
  if (reply.address === undefined) {
    await stdin.close().catch(() => {});
    await child.status;
    await drain;
    const error = new Error(
      `Cannot start Manager as its server process failed: ${
        reply.error?.message ?? "it exited before reporting its address"
      }`,
    );
    throw error;
  }
  return {
    address: reply.address,
    local: reply.local,
    async stop() {
      await stdin.close().catch(() => {});
      let timer: ReturnType<typeof setTimeout> | undefined;
      const exited = await Promise.race([
        child.status.then(() => true),
        new Promise<false>((r) =>
          timer = setTimeout(() => r(false), STOP_GRACE_MS)
        ),
      ]);
      clearTimeout(timer);
      if (!exited) {
        child.kill("SIGKILL");
        await child.status;
      }
      await drain;
    },
  };
}
