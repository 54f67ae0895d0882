/**
 * The registry of shareable kinds: kind string → the class that revives it,
 * and class name → error class for rebuilding errors.
 *
 * Built lazily on first use from the exports of `sync/mod.ts`,
 * `shared/mod.ts` and the ipc files listed in `_shareables.ts`: an export
 * `X` of folder `f` with a static `[revive]` is kind `"f.X"` (the kind its
 * instances describe themselves with), and every exported subclass of
 * `Error` is known by its name. `registerKind()` and `registerErrorClass()`
 * add classes from elsewhere (higher layers). Those ipc files import this
 * one indirectly, so nothing here may run while they are still
 * evaluating: no top-level calls into this file from `sync/`, `shared/` or
 * `ipc/`.
 *
 * @module
 */
import { revive } from "../sync/_shareable.ts";
import * as syncExports from "../sync/mod.ts";
import * as sharedExports from "../shared/mod.ts";
import * as ipcExports from "./_shareables.ts";

/** A class that revives descriptions of one kind. */
export type Reviver = { [revive](data: never): unknown };

const late = new Map<string, Reviver>();
let kinds: Map<string, Reviver> | undefined;
const errorClasses = new Map<string, ErrorConstructor>();
const lateErrors = new Map<string, ErrorConstructor>();

/**
 * Registers (or replaces) the class that revives descriptions of `kind`.
 * For classes outside `sync/`, `shared/` and `ipc/mod.ts`.
 */
export function registerKind(kind: string, cls: Reviver): void {
  if (typeof kind !== "string" || kind === "") {
    throw new TypeError(
      `Cannot register kind as it must be a non-empty string: received ${
        String(kind)
      }`,
    );
  }
  if (typeof cls?.[revive] !== "function") {
    throw new TypeError(
      `Cannot register kind "${kind}" as the class has no static [revive]()`,
    );
  }
  late.set(kind, cls);
  kinds?.set(kind, cls);
}

function buildKinds(): Map<string, Reviver> {
  const table = new Map<string, Reviver>();
  const folders: [string, Record<string, unknown>][] = [
    ["sync", syncExports],
    ["shared", sharedExports],
    ["ipc", ipcExports],
  ];
  for (const [folder, exports] of folders) {
    for (const [name, value] of Object.entries(exports)) {
      if (typeof value !== "function") continue;
      if (typeof (value as Partial<Reviver>)[revive] === "function") {
        table.set(`${folder}.${name}`, value as unknown as Reviver);
      }
      if (value.prototype instanceof Error) {
        errorClasses.set(name, value as ErrorConstructor);
      }
    }
  }
  for (const [kind, cls] of late) table.set(kind, cls);
  for (const [name, cls] of lateErrors) errorClasses.set(name, cls);
  return table;
}

/** The class registered for `kind`, or `undefined`. */
export function lookupKind(kind: string): Reviver | undefined {
  kinds ??= buildKinds();
  let cls = kinds.get(kind);
  if (cls === undefined) {
    kinds = buildKinds(); // a module may have finished loading since
    cls = kinds.get(kind);
  }
  return cls;
}

/**
 * Registers an error class so that errors of it cross as themselves (for
 * error classes of layers above ipc/, such as the pool's).
 */
export function registerErrorClass(cls: ErrorConstructor): void {
  if (typeof cls !== "function" || !(cls.prototype instanceof Error)) {
    throw new TypeError(
      `Cannot register error class as it does not extend Error: received ${
        String(cls)
      }`,
    );
  }
  lateErrors.set(cls.name, cls);
  errorClasses.set(cls.name, cls);
}

/** The error class this package exports under `name`, if any. */
export function lookupErrorClass(name: string): ErrorConstructor | undefined {
  kinds ??= buildKinds();
  return errorClasses.get(name);
}
