/**
 * `new Process()`'s options, checked and resolved in one place: the target
 * defined in the function table, the arguments, name, backend, permissions,
 * memory limit, task module and daemon flag, each refused with a
 * `TypeError` naming the option and the received value.
 *
 * @module
 */
import { quote } from "../shared/_quote.ts";
import { nextChildName } from "./_boot_state.ts";
import { type FnTable, taskModuleUrl } from "./_fn_table.ts";
import type { FnDef } from "./_protocol.ts";
import { BACKENDS } from "./_spawn.ts";
import { checkMemoryLimit } from "./_subprocess_handle.ts";
import type { Backend } from "./backend.ts";
import { checkPermissions, type Permissions } from "./permissions.ts";
import type { ProcessOptions } from "./process_options.ts";

/** A `Process`'s resolved options. */
export interface ProcessConfig {
  def: FnDef;
  args: unknown[];
  name: string;
  backend: Backend;
  permissions: Permissions | undefined;
  memoryLimitMb: number | undefined;
  module: string;
  daemon: boolean;
}

/** Checks `options` (see the module note); defines the target in `fns`. */
export function processConfig(
  options: ProcessOptions,
  fns: FnTable,
): ProcessConfig {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot create Process as options must be an object: received ${
        quote(options)
      }`,
    );
  }
  const def = fns.define(options.target, "create Process");
  const args = options.args ?? [];
  if (!Array.isArray(args)) {
    throw new TypeError(
      `Cannot create Process as args must be an array: received ${quote(args)}`,
    );
  }
  if (options.name !== undefined && typeof options.name !== "string") {
    throw new TypeError(
      `Cannot create Process as name must be a string: received ${
        quote(options.name)
      }`,
    );
  }
  const backend = options.backend ?? "worker";
  if (!BACKENDS.includes(backend)) {
    throw new TypeError(
      `Cannot create Process as backend must be one of ${
        BACKENDS.map((b) => `"${b}"`).join(", ")
      }: received ${quote(backend)}`,
    );
  }
  const permissions = options.permissions !== undefined
    ? checkPermissions(options.permissions)
    : undefined;
  const memoryLimitMb = checkMemoryLimit(
    options.memoryLimitMb,
    backend,
    "Process",
  );
  const module = taskModuleUrl(options.module ?? Deno.mainModule, "Process");
  if (options.daemon !== undefined && typeof options.daemon !== "boolean") {
    throw new TypeError(
      `Cannot create Process as daemon must be a boolean: received ${
        quote(options.daemon)
      }`,
    );
  }
  return {
    def,
    args,
    name: options.name ?? nextChildName("Process"),
    backend,
    permissions,
    memoryLimitMb,
    module,
    daemon: options.daemon ?? false,
  };
}
