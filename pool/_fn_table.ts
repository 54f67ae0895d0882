/**
 * Task identity on the caller's side: each task function gets a small id and
 * a definition (export name + source text) that a child resolves once.
 *
 * Functions cannot cross into another isolate, so a task is an export of the
 * task module, found by name in the child and checked there against the
 * caller's `fn.toString()` (`_runner.ts` `checkExport`). A string names the
 * export directly (no source check). Backends that share the caller's thread
 * use the function object itself (`local`).
 *
 * @module
 */
import { quote } from "../shared/_quote.ts";
import type { FnDef } from "./_protocol.ts";
import type { TaskFn } from "./_runner.ts";

/** The definitions of every function a pool or process runs. */
export class FnTable {
  readonly #byFn = new Map<TaskFn, FnDef>();
  readonly #byName = new Map<string, FnDef>();
  readonly #objects = new Map<number, TaskFn>();
  readonly #defs: FnDef[] = [];

  /**
   * The definition of `target` (a function or an export name), made on first
   * use.
   *
   * @throws {TypeError} When `target` is neither a function nor a non-empty
   * string; `what` says what was being done ("run Pool.map").
   */
  define(target: unknown, what: string): FnDef {
    if (typeof target === "function") {
      const fn = target as TaskFn;
      let def = this.#byFn.get(fn);
      if (def === undefined) {
        def = {
          id: this.#defs.length + 1,
          name: fn.name,
          src: Function.prototype.toString.call(fn),
        };
        this.#byFn.set(fn, def);
        this.#objects.set(def.id, fn);
        this.#defs.push(def);
      }
      return def;
    }
    if (typeof target === "string" && target !== "") {
      let def = this.#byName.get(target);
      if (def === undefined) {
        def = { id: this.#defs.length + 1, name: target, src: null };
        this.#byName.set(target, def);
        this.#defs.push(def);
      }
      return def;
    }
    throw new TypeError(
      `Cannot ${what} as the task must be a function exported by the task module, or its export name: received ${
        quote(target)
      }`,
    );
  }

  /** The definition with id `id`. */
  get(id: number): FnDef {
    return this.#defs[id - 1]!;
  }

  /** The caller's own function for `def`, when it was given as one. */
  local(def: FnDef): TaskFn | undefined {
    return this.#objects.get(def.id);
  }
}

/**
 * The task module option as an absolute URL string.
 *
 * @throws {TypeError} When it is neither a URL nor an absolute URL string.
 */
export function taskModuleUrl(module: unknown, what: string): string {
  if (module instanceof URL) return module.href;
  if (typeof module === "string") {
    try {
      return new URL(module).href;
    } catch {
      // fall through to the error
    }
  }
  throw new TypeError(
    `Cannot create ${what} as module must be a URL or an absolute URL string (e.g. new URL("./tasks.ts", import.meta.url)): received ${
      quote(module)
    }`,
  );
}

/**
 * Child side: finds the export `def` names in a task module's namespace and checks that
 * it is the caller's function (same source text).
 */
export function checkExport(
  namespace: Record<string, unknown>,
  def: FnDef,
  module: string,
): TaskFn {
  if (def.name === "") {
    throw new TypeError(
      `Cannot run an anonymous function in a child as it can only import exports by name: ` +
        `export a named function from ${module} and pass it, or its name`,
    );
  }
  const found = namespace[def.name];
  if (typeof found !== "function") {
    throw new TypeError(
      `Cannot run function "${def.name}" as module ${module} does not export it: ` +
        `export it from that module (a child imports its tasks by name), or ` +
        `pass the module that exports it as the \`module\` option`,
    );
  }
  if (def.src !== null && found.toString() !== def.src) {
    throw new TypeError(
      `Cannot run function "${def.name}" as module ${module} exports a different ` +
        `function under that name: pass the exported function itself (not a ` +
        `local function or an alias of the same name), or its export name as a string`,
    );
  }
  return found as TaskFn;
}
