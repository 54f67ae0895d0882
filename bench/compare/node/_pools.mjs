// Adapts piscina, tinypool and workerpool to one shape, `run(name, arg)`, so
// every node/ workload script is written once and run for each peer, under
// Node or under Deno. The packages are loaded from ../.peers/ (installed by
// run.ts), never from the registry at run time.
import { createRequire } from "node:module";
import process from "node:process";
import { pathToFileURL } from "node:url";

const peers = createRequire(new URL("../.peers/package.json", import.meta.url));
const tasks = new URL("./tasks.mjs", import.meta.url);

/** Parses `--key=value` arguments into an object of strings. */
export function args() {
  const out = {};
  for (const arg of process.argv.slice(2)) {
    const match = /^--([^=]+)=(.*)$/.exec(arg);
    if (match) out[match[1]] = match[2];
  }
  return out;
}

/** Prints the one line the driver reads. */
export function report(metrics) {
  console.log(`RESULT ${JSON.stringify(metrics)}`);
}

/** Resident set size of this process in bytes. */
export function rss() {
  return process.memoryUsage().rss;
}

/** Loads the peer package ahead of timing (later imports hit the cache). */
export async function preload(lib) {
  if (lib === "workerpool") peers("workerpool");
  else await import(pathToFileURL(peers.resolve(lib)).href);
}

/** Whether this script runs under Deno (through its Node compatibility). */
export const underDeno = typeof globalThis.Deno !== "undefined";

/**
 * Starts a pool of `threads` workers of the peer `lib` and returns
 * `{ run(name, arg, transfer?), close() }`.
 */
export async function createPool(lib, threads) {
  if (lib === "piscina") {
    const mod = await import(pathToFileURL(peers.resolve("piscina")).href);
    const Piscina = mod.Piscina ?? mod.default?.Piscina ?? mod.default;
    const pool = new Piscina({
      filename: tasks.href,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 60_000,
    });
    return {
      run: (name, arg, transfer) =>
        pool.run(arg, transfer ? { name, transferList: transfer } : { name }),
      close: () => pool.destroy(),
    };
  }
  if (lib === "tinypool") {
    const mod = await import(pathToFileURL(peers.resolve("tinypool")).href);
    const Tinypool = mod.Tinypool ?? mod.default;
    const pool = new Tinypool({
      filename: tasks.href,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 60_000,
      // Under Deno the default `useAtomics: true` never wakes (ANCHORS.md).
      useAtomics: !underDeno,
    });
    return {
      run: (name, arg, transfer) =>
        pool.run(arg, transfer ? { name, transferList: transfer } : { name }),
      close: () => pool.destroy(),
    };
  }
  if (lib === "workerpool") {
    const workerpool = peers("workerpool");
    const script = new URL("./workerpool_worker.mjs", import.meta.url);
    const pool = workerpool.pool(script.pathname, {
      minWorkers: threads,
      maxWorkers: threads,
      workerType: "thread",
    });
    return {
      run: (name, arg, transfer) =>
        pool.exec(name, [arg], transfer ? { transfer } : undefined),
      close: () => pool.terminate(true),
    };
  }
  throw new TypeError(`Cannot create pool as lib is unknown: received ${lib}`);
}
