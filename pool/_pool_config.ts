/**
 * The checks of `Pool`'s options and calls: each option validated (a
 * `TypeError` for a wrong type, a `RangeError` out of range, the received
 * value quoted) and given its default.
 *
 * @module
 */
import { toTransferable } from "../ipc/_transfer.ts";
import { quote } from "../shared/_quote.ts";
import type { DispatcherOptions } from "./_dispatcher.ts";
import { type FnTable, taskModuleUrl } from "./_fn_table.ts";
import type { FnDef } from "./_protocol.ts";
import { checkMemoryLimit } from "./_subprocess_handle.ts";
import { BACKENDS, crossesProcess } from "./_spawn.ts";
import type { Backend } from "./backend.ts";
import { checkPermissions } from "./permissions.ts";
import type { PoolOptions } from "./pool_options.ts";

/** A pool's checked options. */
export interface PoolConfig extends Omit<DispatcherOptions, "onSettle"> {
  maxQueue: number;
  crossProcess: boolean;
}

/** Throws the `TypeError` every numeric option gives for a non-number. */
function checkNumber(what: string, value: unknown): asserts value is number {
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot create Pool as ${what} must be a number: received ${
        quote(value)
      }`,
    );
  }
}

export function count(
  what: string,
  value: unknown,
  fallback: number,
  min: number,
  allowInfinity: boolean,
): number {
  if (value === undefined) return fallback;
  checkNumber(what, value);
  if (
    !(allowInfinity && value === Infinity) &&
    (!Number.isInteger(value) || value < min)
  ) {
    throw new RangeError(
      `Cannot create Pool as ${what} must be an integer >= ${min}${
        allowInfinity ? " or Infinity" : ""
      }: received ${quote(value)}`,
    );
  }
  return value;
}

export function duration(
  what: string,
  value: unknown,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  checkNumber(what, value);
  if (Number.isNaN(value) || value <= 0) {
    throw new RangeError(
      `Cannot create Pool as ${what} must be a positive number of ms: received ${
        quote(value)
      }`,
    );
  }
  return value;
}

export function checkChunksize(
  what: string,
  value: unknown,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    const E = typeof value === "number" ? RangeError : TypeError;
    throw new E(
      `Cannot ${what} as chunksize must be an integer >= 1: received ${
        quote(value)
      }`,
    );
  }
  return value;
}

/** Whether every item is a primitive that crosses as it is. */
export function primitives(values: unknown[]): boolean {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    const type = typeof value;
    if (
      type === "object"
        ? value !== null
        : type === "function" || type === "symbol"
    ) return false;
  }
  return true;
}

export function checkItems(what: string, items: unknown): void {
  if (
    typeof items !== "object" || items === null ||
    !(Symbol.iterator in items || Symbol.asyncIterator in items)
  ) {
    throw new TypeError(
      `Cannot ${what} as items must be an Iterable or AsyncIterable: received ${
        quote(items)
      }`,
    );
  }
}

/** Checks `options` and fills in the defaults. */
export function poolConfig(options: PoolOptions, fns: FnTable): PoolConfig {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot create Pool as options must be an object: received ${
        quote(options)
      }`,
    );
  }
  const processes = count(
    "processes",
    options.processes,
    navigator.hardwareConcurrency || 1,
    1,
    false,
  );
  const minProcesses = count(
    "minProcesses",
    options.minProcesses,
    processes,
    0,
    false,
  );
  if (minProcesses > processes) {
    throw new RangeError(
      `Cannot create Pool as minProcesses must be at most processes (${processes}): received ${minProcesses}`,
    );
  }
  const backend: Backend = options.backend ?? "worker";
  if (!BACKENDS.includes(backend)) {
    throw new TypeError(
      `Cannot create Pool as backend must be one of ${
        BACKENDS.map((b) => `"${b}"`).join(", ")
      }: received ${quote(backend)}`,
    );
  }
  const permissions = options.permissions === undefined
    ? undefined
    : checkPermissions(options.permissions);
  const memoryLimitMb = checkMemoryLimit(
    options.memoryLimitMb,
    backend,
    "Pool",
  );
  const module = taskModuleUrl(options.module ?? Deno.mainModule, "Pool");
  const crossProcess = crossesProcess(backend);
  let initializer: { fn: FnDef; args: unknown } | null = null;
  if (options.initializer !== undefined) {
    const initargs = options.initargs ?? [];
    if (!Array.isArray(initargs)) {
      throw new TypeError(
        `Cannot create Pool as initargs must be an array: received ${
          quote(initargs)
        }`,
      );
    }
    initializer = {
      fn: fns.define(options.initializer, "create Pool"),
      args: toTransferable(initargs, {
        name: "initargs",
        crossProcess,
      }),
    };
  }
  return {
    processes,
    minProcesses,
    backend,
    permissions,
    memoryLimitMb,
    module,
    fns,
    initializer,
    maxTasksPerChild: count(
      "maxTasksPerChild",
      options.maxTasksPerChild,
      Infinity,
      1,
      true,
    ),
    taskTimeout: duration("taskTimeout", options.taskTimeout, Infinity),
    idleTimeout: duration("idleTimeout", options.idleTimeout, 10_000),
    maxQueue: count("maxQueue", options.maxQueue, Infinity, 0, true),
    crossProcess,
  };
}
