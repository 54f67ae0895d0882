// The clients of the Manager tests: one job in a fresh Worker
// (tests/fixtures/ipc_manager_worker.ts), or the client fixture
// (tests/fixtures/ipc_manager_client.ts) as its own OS process. Arguments
// and answers of a Worker go through the package's transfer, so proxies
// arrive revived.
import type { Manager } from "../../ipc/manager.ts";
import { fromTransferable, toTransferable } from "../../ipc/_transfer.ts";

const WORKER = new URL("../fixtures/ipc_manager_worker.ts", import.meta.url);
const CLIENT = new URL("../fixtures/ipc_manager_client.ts", import.meta.url);

/** `bytes` as lowercase hex. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Runs one job in a fresh Worker and waits for its answer. */
export async function inWorker(
  message: unknown,
): Promise<Record<string, unknown>> {
  const worker = new Worker(WORKER, { type: "module" });
  try {
    return await new Promise((resolve, reject) => {
      worker.onmessage = (e) => resolve(fromTransferable(e.data) as never);
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(e.message));
      };
      worker.postMessage(toTransferable(message));
    });
  } finally {
    worker.terminate();
  }
}

/**
 * Starts a Worker on one job and hands back its messages in order: the
 * first and second message it posts, as promises.
 */
export function workerJob(message: unknown): {
  worker: Worker;
  first: Promise<Record<string, unknown>>;
  second: Promise<Record<string, unknown>>;
} {
  const worker = new Worker(WORKER, { type: "module" });
  const waiting: ((value: Record<string, unknown>) => void)[] = [];
  const [first, second] = [0, 1].map(() =>
    new Promise<Record<string, unknown>>((resolve) => waiting.push(resolve))
  ) as [Promise<Record<string, unknown>>, Promise<Record<string, unknown>>];
  worker.onmessage = (e) =>
    waiting.shift()?.(fromTransferable(e.data) as never);
  worker.postMessage(toTransferable(message));
  return { worker, first, second };
}

/** Runs the client fixture as its own OS process. */
export function clientProcess(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-read", CLIENT.href, ...args],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
}

/** The address and authkey of a TCP manager, as client fixture arguments. */
export function tcpArgs(manager: Manager): string[] {
  const address = manager.address as { hostname: string; port: number };
  return [address.hostname, String(address.port), hex(manager.authkey!)];
}
