/**
 * The registry of shareable kinds: kind string → the class that revives it,
 * and class name → error class for rebuilding errors.
 *
 * Built lazily on first use from the exports of `sync/mod.ts`,
 * `shared/mod.ts` and `ipc/mod.ts`: an export `X` of folder `f` with a
 * static `[revive]` is kind `"f.X"` (the kind its instances describe
 * themselves with), and every exported subclass of `Error` is known by its
 * name. `registerKind()` adds classes from elsewhere. `ipc/mod.ts` imports
 * this file indirectly, so nothing here may run while those modules are
 * still evaluating: no top-level calls into this file from `sync/`,
 * `shared/` or `ipc/`.
 *
 * @module
 */
import { revive } from "../sync/_shareable.ts";
import * as syncExports from "../sync/mod.ts";
import * as sharedExports from "../shared/mod.ts";
import * as ipcExports from "./mod.ts";

/** A class that revives descriptions of one kind. */
export type Reviver = { [revive](data: never): unknown };

const late = new Map<string, Reviver>();
let kinds: Map<string, Reviver> | undefined;
const errorClasses = new Map<string, ErrorConstructor>();

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

/** The error class this package exports under `name`, if any. */
export function lookupErrorClass(name: string): ErrorConstructor | undefined {
  kinds ??= buildKinds();
  return errorClasses.get(name);
}
