/**
 * The argument checks of `ClusterPool`'s calls and the body of `map` /
 * `starmap`: the input is read to its end, cut into chunks of `chunksize`
 * items (default `ceil(n / 32)`, at most 1,000: enough entries to spread
 * over several nodes, few enough round trips), all chunks are submitted at
 * once, and results are put back in input order. The first failure (an
 * item's error, the signal, the timeout) rejects the call and cancels the
 * chunks still outstanding.
 *
 * @module
 */
import type { TaskFunction } from "../pool/process.ts";
import type { MapItems } from "../pool/pool_options.ts";
import type { Chunk, FnRef } from "./_ledger.ts";
import { sourceHash } from "./_task_wire.ts";
import { abortable, WaitScope } from "./_wait_scope.ts";
import type { ClusterMapOptions } from "./cluster_pool_options.ts";

/** What `runMap` needs from the pool. */
export interface MapHost {
  /** Submits a chunk; throws when the pool is closed or an item cannot be encoded. */
  submit(fn: FnRef, args: unknown[][], settle: Chunk["settle"]): Chunk;
  /** Cancels a chunk's outstanding items. */
  cancel(chunk: Chunk): void;
}

/** `ceil(items / 32)`, between 1 and 1,000. */
export function defaultChunksize(items: number): number {
  return Math.max(1, Math.min(1000, Math.ceil(items / 32)));
}

/**
 * The export name and source hash of `fn`.
 *
 * @throws {TypeError} when `fn` is neither a named function nor a name.
 */
export function toFnRef(fn: unknown, what: string): FnRef {
  if (typeof fn === "string" && fn !== "") return { name: fn, hash: "" };
  if (typeof fn === "function" && fn.name !== "") {
    return { name: fn.name, hash: sourceHash(fn.toString()) };
  }
  throw new TypeError(
    `Cannot ${what} as fn must be a named function exported by the nodes' module, or its export name: received ${
      typeof fn === "function" ? "an anonymous function" : typeof fn
    }`,
  );
}

/**
 * `value` when it is `undefined` or an integer >= 1.
 *
 * @throws {RangeError} otherwise.
 */
export function checkCount(
  value: unknown,
  what: string,
  name: string,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot ${what} as ${name} must be an integer >= 1: received ${
        String(value)
      }`,
    );
  }
  return value;
}

/**
 * Checks that `items` is iterable.
 *
 * @throws {TypeError} otherwise.
 */
export function checkIterable(items: unknown, what: string): void {
  if (
    items === null || typeof items !== "object" ||
    !(Symbol.iterator in items || Symbol.asyncIterator in items)
  ) {
    throw new TypeError(
      `Cannot ${what} as items must be iterable: received ${String(items)}`,
    );
  }
}

function checkArgs(item: unknown, index: number, what: string): unknown[] {
  if (!Array.isArray(item)) {
    throw new TypeError(
      `Cannot ${what} as item ${index} is not an argument array: received ${typeof item}`,
    );
  }
  return item;
}

async function collect(items: MapItems<unknown>): Promise<unknown[]> {
  if (Array.isArray(items)) return items;
  if (Symbol.asyncIterator in items) {
    return await Array.fromAsync(items as AsyncIterable<unknown>);
  }
  return [...(items as Iterable<unknown>)];
}

/** `map` (or `starmap` when `star`) over `host`. */
export async function runMap(
  host: MapHost,
  fn: TaskFunction | string,
  items: MapItems<unknown>,
  options: ClusterMapOptions,
  star: boolean,
  what: string,
): Promise<unknown[]> {
  using scope = new WaitScope(options, what);
  const signal = scope.signal;
  signal.throwIfAborted();
  const ref = toFnRef(fn, what);
  checkIterable(items, what);
  const chunksize = checkCount(options.chunksize, what, "chunksize");
  const list = await abortable(collect(items), signal);
  const n = list.length;
  const size = chunksize ?? defaultChunksize(n);
  const results = new Array<unknown>(n);
  const chunks: Chunk[] = [];
  let done = 0;
  let onAbort = () => {};
  try {
    return await new Promise<unknown[]>((resolve, reject) => {
      let failed = false;
      const fail = (error: unknown) => {
        if (failed) return;
        failed = true;
        for (const chunk of chunks) host.cancel(chunk);
        reject(error);
      };
      onAbort = () => fail(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      if (n === 0) return resolve(results);
      try {
        for (let start = 0; start < n && !failed; start += size) {
          const part = list.slice(start, start + size).map((item, i) =>
            star ? checkArgs(item, start + i, what) : [item]
          );
          chunks.push(host.submit(ref, part, (i, ok, value) => {
            if (failed) return;
            if (!ok) return fail(value);
            results[start + i] = value;
            done++;
            options.onProgress?.(done, n);
            if (done === n) resolve(results);
          }));
        }
      } catch (error) {
        fail(error);
      }
    });
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
